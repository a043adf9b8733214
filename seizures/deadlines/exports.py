"""Open deadlines as CSV (/deadlines/export.csv), in the list's order, read through a server-side cursor."""

import csv
import io
from itertools import islice

from django.utils import timezone

from seizures.exports import spreadsheet_safe
from seizures.models import DeadlineStart

COLUMNS = [
    "due_on",
    "state",
    "days_past_due",
    "deadline",
    "legal_citation",
    "verify_with_counsel",
    "entry_number",
    "importer",
    "port_code",
    "clock_started_on",
    "clock_started_by",
]
CHUNK_ROWS = 5000
_ROW_FIELDS = (
    "due_on",
    "rule__name",
    "rule__citation",
    "rule__verify_with_counsel",
    "shipment__entry_number",
    "shipment__importer__name",
    "shipment__port__code",
    "starts_on",
    "rule__starts_with",
    "rule__after_rule__name",
)


def _started_by(starts_with: str, after_rule: str | None) -> str:
    if starts_with == DeadlineStart.RULE_MISSED:
        return f"{after_rule} deadline passed unmet"
    return DeadlineStart(starts_with).label


def _csv_rows(chunk: list[tuple], today) -> list[list]:
    safe = spreadsheet_safe
    rows = []
    for due, rule, citation, counsel, entry, importer, port, starts, starts_with, after_rule in chunk:
        past_due = (today - due).days
        rows.append(
            [
                due.isoformat(),
                "overdue" if past_due > 0 else "due",
                max(past_due, 0),
                safe(rule),
                safe(citation),
                "yes" if counsel else "no",
                entry,
                safe(importer),
                port,
                starts.isoformat(),
                safe(_started_by(starts_with, after_rule)),
            ]
        )
    return rows


def export_csv_chunks(deadlines, *, today=None):
    """Yield the CSV text of the (filtered) open deadlines, a chunk of rows at a time."""
    today = today or timezone.localdate()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    cursor = deadlines.values_list(*_ROW_FIELDS).iterator(chunk_size=CHUNK_ROWS)
    while chunk := list(islice(cursor, CHUNK_ROWS)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_rows(chunk, today))
        yield buffer.getvalue()


def export_filename() -> str:
    return f"hashport-deadlines-{timezone.localdate():%Y-%m-%d}.csv"
