"""The ledger as CSV: one row per line item, the shipment's columns repeated, re-importable (DESIGN.md)."""

import csv
import io
from collections import defaultdict
from itertools import islice

from django.utils import timezone

from seizures.models import ShipmentLine

IMPORT_COLUMNS = [
    "entry_number",
    "importer",
    "port_code",
    "arrived_on",
    "manufacturer",
    "model",
    "units",
    "unit_value_usd",
    "notes",
]
EXPORT_COLUMNS = [
    *IMPORT_COLUMNS,
    "status",
    "first_detained_on",
    "units_in_custody",
    "units_released",
    "units_forfeited",
    "value_in_custody_usd",
    "hashrate_in_custody_ths",
    "days_in_custody",
]
CHUNK_SHIPMENTS = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_SHIPMENT_FIELDS = (
    "pk",
    "entry_number",
    "importer__name",
    "port__code",
    "arrived_on",
    "notes",
    "status",
    "first_detained_on",
    "custody_ended_on",
)
_LINE_FIELDS = (
    "shipment_id",
    "miner_model__manufacturer__name",
    "miner_model__name",
    "units",
    "unit_value_usd",
    "units_in_custody",
    "units_released",
    "units_forfeited",
    "miner_model__hashrate_ths",
)


def spreadsheet_safe(cell):
    """Text a spreadsheet would run as a formula is prefixed with a quote (OWASP CSV injection)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _rows_for_chunk(shipments: list[tuple], today) -> list[list]:
    lines_by_shipment = defaultdict(list)
    for line in (
        ShipmentLine.objects.filter(shipment_id__in=[shipment[0] for shipment in shipments])
        .order_by("shipment_id", "id")
        .values_list(*_LINE_FIELDS)
    ):
        lines_by_shipment[line[0]].append(line)
    rows = []
    for pk, entry, importer, port, arrived, notes, status, first_detained, ended in shipments:
        days = (ended or today) - first_detained if first_detained else None
        for _, maker, model, units, unit_value, in_custody, released, forfeited, ths in lines_by_shipment[pk]:
            rows.append(
                [
                    spreadsheet_safe(entry),
                    spreadsheet_safe(importer),
                    port,
                    arrived.isoformat(),
                    spreadsheet_safe(maker),
                    spreadsheet_safe(model),
                    units,
                    unit_value,
                    spreadsheet_safe(notes),
                    status,
                    first_detained.isoformat() if first_detained else "",
                    in_custody,
                    released,
                    forfeited,
                    in_custody * unit_value,
                    in_custody * ths,
                    days.days if days is not None else "",
                ]
            )
    return rows


def export_csv_chunks(shipments):
    """Yield the CSV text in chunks, reading shipments through a cursor so memory stays flat."""
    today = timezone.localdate()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    yield buffer.getvalue()
    cursor = shipments.values_list(*_SHIPMENT_FIELDS).iterator(chunk_size=CHUNK_SHIPMENTS)
    while chunk := list(islice(cursor, CHUNK_SHIPMENTS)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_rows_for_chunk(chunk, today))
        yield buffer.getvalue()


def export_filename() -> str:
    return f"hashport-shipments-{timezone.localdate():%Y-%m-%d}.csv"
