"""The ledger as CSV: one row per line item, the shipment's columns repeated, re-importable (DESIGN.md)."""

import csv
import io
from itertools import islice

from django.db import connections
from django.db.models import F
from django.utils import timezone

from config.spreadsheet import spreadsheet_safe

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
# The export appends these to the import's columns; the import accepts and ignores them.
EXPORT_ONLY_COLUMNS = [
    "status",
    "first_detained_on",
    "units_in_custody",
    "units_released",
    "units_forfeited",
    "value_in_custody_usd",
    "hashrate_in_custody_ths",
    "days_in_custody",
]
EXPORT_COLUMNS = [*IMPORT_COLUMNS, *EXPORT_ONLY_COLUMNS]
CHUNK_ROWS = 5000
COPY_BLOCK_BYTES = 64 * 1024

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


def _header() -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(EXPORT_COLUMNS)
    return buffer.getvalue()


def _escaped_sql(column: str) -> str:
    """spreadsheet_safe in SQL."""
    starts = ", ".join(["'='", "'+'", "'-'", "'@'", "E'\\t'", "E'\\r'"])
    return f"CASE WHEN left({column}, 1) IN ({starts}) THEN '''' || {column} ELSE {column} END"


_COPY_ANNOTATIONS = {
    "x_importer": "importer__name",
    "x_port": "port__code",
    "x_maker": "lines__miner_model__manufacturer__name",
    "x_model": "lines__miner_model__name",
    "x_units": "lines__units",
    "x_unit_value": "lines__unit_value_usd",
    "x_in_custody": "lines__units_in_custody",
    "x_released": "lines__units_released",
    "x_forfeited": "lines__units_forfeited",
    "x_ths": "lines__miner_model__hashrate_ths",
}
_SHIPMENT_COLUMNS = ("entry_number", "arrived_on", "notes", "status", "first_detained_on", "custody_ended_on")


def _postgresql_copy_chunks(shipments, today):
    """The same rows formatted by PostgreSQL and streamed with COPY: several times what Python formats per second."""
    ordering = [*shipments.query.order_by, "lines__id"]
    rows = (
        shipments.order_by(*ordering)
        .annotate(**{alias: F(path) for alias, path in _COPY_ANNOTATIONS.items()})
        .values_list(*_SHIPMENT_COLUMNS, *_COPY_ANNOTATIONS)
    )
    inner_sql, params = rows.query.sql_with_params()
    # Empty notes go out as NULL, which COPY writes unquoted, as Python's csv writes an empty string.
    statement = f"""COPY (
        SELECT entry_number, {_escaped_sql("x_importer")}, x_port, to_char(arrived_on, 'YYYY-MM-DD'),
               {_escaped_sql("x_maker")}, {_escaped_sql("x_model")}, x_units, x_unit_value,
               {_escaped_sql("NULLIF(notes, '')")}, status, to_char(first_detained_on, 'YYYY-MM-DD'),
               x_in_custody, x_released, x_forfeited, x_in_custody * x_unit_value, x_in_custody * x_ths,
               COALESCE(custody_ended_on, %s::date) - first_detained_on
        FROM ({inner_sql}) AS export_rows
        WHERE x_model IS NOT NULL
    ) TO STDOUT WITH (FORMAT csv)"""
    with connections[shipments.db].cursor() as cursor, cursor.cursor.copy(statement, [today, *params]) as copy:
        # COPY hands over about a row at a time; the response gets them in blocks of ~64 KB.
        pending, size = [], 0
        for block in copy:
            pending.append(bytes(block))
            size += len(block)
            if size >= COPY_BLOCK_BYTES:
                yield b"".join(pending)
                pending, size = [], 0
        if pending:
            yield b"".join(pending)


def export_csv_chunks(shipments):
    """Yield the CSV as UTF-8 chunks: the header, then the rows (formatted by PostgreSQL where the ledger lives)."""
    today = timezone.localdate()
    yield _header().encode()
    if connections[shipments.db].vendor == "postgresql":
        yield from _postgresql_copy_chunks(shipments, today)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    cursor = export_rows(shipments)
    while chunk := list(islice(cursor, CHUNK_ROWS)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_rows(chunk, today))
        yield buffer.getvalue().encode()


def export_filename() -> str:
    return f"hashport-shipments-{timezone.localdate():%Y-%m-%d}.csv"
