"""The dataset as CSV (DESIGN.md: hashrate export), streamed, spreadsheet-safe."""

import csv
import datetime
import io
from itertools import islice

from django.utils import timezone

from config.spreadsheet import spreadsheet_safe
from hashrate.models import period_label

COLUMNS = ["source", "method", "period", "country", "share_pct", "hashrate_ehs", "retrieved_at"]
CHUNK_ROWS = 2000


def _number(value) -> str:
    return "" if value is None else format(value.normalize(), "f")


def export_csv_chunks(shares):
    """Yield CSV text in chunks, reading the rows through a cursor so memory stays flat."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    rows = shares.values_list(
        "source__slug",
        "source__method",
        "granularity",
        "period_start",
        "country_id",
        "share_pct",
        "hashrate_ehs",
        "retrieved_at",
    ).iterator(chunk_size=CHUNK_ROWS)
    while chunk := list(islice(rows, CHUNK_ROWS)):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(
            [
                spreadsheet_safe(slug),
                method,
                period_label(granularity, start),
                spreadsheet_safe(country),
                _number(share),
                _number(ehs),
                retrieved_at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
            ]
            for slug, method, granularity, start, country, share, ehs, retrieved_at in chunk
        )
        yield buffer.getvalue()


def export_filename(source_slug: str) -> str:
    return f"hashport-hashrate-{source_slug}-{timezone.localdate():%Y-%m-%d}.csv"
