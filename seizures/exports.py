"""The ledger as CSV: one row per line item, the shipment's columns repeated, re-importable (DESIGN.md)."""

import csv
import io
from itertools import islice

from django.utils import timezone

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
CHUNK_ROWS = 5000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST_CHARACTERS = frozenset(FORMULA_STARTS)

# One row per line item: the shipment's columns come through the join, in the list's own order.
_ROW_FIELDS = (
    "entry_number",
    "importer__name",
    "port__code",
    "arrived_on",
    "lines__miner_model__manufacturer__name",
    "lines__miner_model__name",
    "lines__units",
    "lines__unit_value_usd",
    "notes",
    "status",
    "first_detained_on",
    "custody_ended_on",
    "lines__units_in_custody",
    "lines__units_released",
    "lines__units_forfeited",
    "lines__miner_model__hashrate_ths",
)


def spreadsheet_safe(cell: str) -> str:
    """Text a spreadsheet would run as a formula is prefixed with a quote (OWASP CSV injection)."""
    if cell and cell[0] in _FORMULA_FIRST_CHARACTERS:
        return "'" + cell
    return cell


def _csv_rows(chunk: list[tuple], today) -> list[list]:
    rows = []
    append = rows.append
    safe = spreadsheet_safe
    for (entry, importer, port, arrived, maker, model, units, unit_value, notes, status, first_detained, ended,
         in_custody, released, forfeited, ths) in chunk:  # fmt: skip
        if model is None:
            continue  # a shipment without lines (possible only through raw SQL) has nothing to export
        # Entry numbers, port codes and statuses have fixed formats that cannot start a formula.
        append(
            [
                entry,
                safe(importer),
                port,
                arrived.isoformat(),
                safe(maker),
                safe(model),
                units,
                unit_value,
                safe(notes),
                status,
                first_detained.isoformat() if first_detained else "",
                in_custody,
                released,
                forfeited,
                in_custody * unit_value,
                in_custody * ths,
                ((ended or today) - first_detained).days if first_detained else "",
            ]
        )
    return rows


def export_rows(shipments):
    """The export's rows as tuples, read through a server-side cursor so memory stays flat."""
    ordering = [*shipments.query.order_by, "lines__id"]
    return shipments.order_by(*ordering).values_list(*_ROW_FIELDS).iterator(chunk_size=CHUNK_ROWS)


def export_csv_chunks(shipments):
    """Yield the CSV text in chunks of rows."""
    today = timezone.localdate()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    yield buffer.getvalue()
    cursor = export_rows(shipments)
    while chunk := list(islice(cursor, CHUNK_ROWS)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_rows(chunk, today))
        yield buffer.getvalue()


def export_filename() -> str:
    return f"hashport-shipments-{timezone.localdate():%Y-%m-%d}.csv"
