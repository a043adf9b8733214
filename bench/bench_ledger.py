"""Benchmark the compliance ledger at scale on the PostgreSQL database named by DATABASE_URL.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_ledger.py --shipments 1000000

Generates (or reuses) N shipments with bench/generate.py, then times repeated requests through Django's test
client, in process, as a Compliance user: the unfiltered first page with its totals, a selective filter (one
importer), a broad filter (status and a date range), a `q` search for an entry number, page 1,000, and the full
CSV export (rows/s and peak memory growth). p50/p95 come from repeated requests, so the totals are served from
the cache after the first; "cold" is one request on an empty cache. Prints a table, then one JSON line.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make the repo importable

from bench import _common

_common.setup_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from bench import generate  # noqa: E402
from seizures import roles  # noqa: E402
from seizures.models import Importer, Shipment  # noqa: E402

REPEATS = 30
WARMUP = 3
TARGETS_MS = {"first_page": 120, "selective_filter": 30, "q_entry_number": 30, "page_1000": 150}
TARGET_EXPORT_ROWS_PER_S = 100_000
TARGET_EXPORT_RSS_GROWTH_MB = 100


def _client() -> Client:
    user, _ = get_user_model().objects.get_or_create(username="bench-compliance")
    user.groups.add(Group.objects.get(name=roles.COMPLIANCE))
    client = Client()
    client.force_login(user)
    return client


def _time_cold(client: Client, url: str) -> float:
    """One request with an empty cache: what the first visitor after a ledger change waits."""
    cache.clear()
    started = time.perf_counter()
    assert client.get(url).status_code == 200, url
    return time.perf_counter() - started


def _time_requests(client: Client, url: str) -> list[float]:
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, url
    return timings


def _scenarios() -> dict[str, str]:
    busiest_importer = (
        Importer.objects.filter(name__startswith="Bench Importer").order_by("name").values_list("name", flat=True)[7]
    )
    some_entry = Shipment.objects.order_by("pk").values_list("entry_number", flat=True)[Shipment.objects.count() // 2]
    return {
        "first_page": "/shipments/",
        "selective_filter": f"/shipments/?importer={busiest_importer.replace(' ', '+')}",
        "broad_filter": "/shipments/?status=seized&detained_after=2025-01-01&detained_before=2025-12-31",
        "q_entry_number": f"/shipments/?q={some_entry}",
        "page_1000": "/shipments/?page=1000",
    }


def _export(client: Client) -> dict:
    rss_before = _common.rss_mb()
    peak = rss_before
    rows = 0
    started = time.perf_counter()
    response = client.get("/shipments/export.csv")
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        peak = max(peak, _common.rss_mb())
    seconds = time.perf_counter() - started
    rows -= 1  # the header
    return {
        "export_rows": rows,
        "export_seconds": round(seconds, 2),
        "export_rows_per_s": round(rows / seconds),
        "peak_rss_growth_mb": round(peak - rss_before, 1),
    }


def main() -> None:
    args = _common.shipments_argument_parser(__doc__.splitlines()[0]).parse_args()
    generate.ensure_generated(args.shipments)
    client = _client()
    figures = {"shipments": args.shipments}
    table = []
    for name, url in _scenarios().items():
        cold_ms = round(_time_cold(client, url) * 1000, 1)
        summary = _common.latency_summary_ms(name, _time_requests(client, url))
        figures.update(summary)
        figures[f"{name}_cold_ms"] = cold_ms
        target = TARGETS_MS.get(name)
        p50 = summary[f"{name}_p50_ms"]
        verdict = "" if target is None else ("ok" if p50 <= target else "OVER")
        table.append((name, p50, summary[f"{name}_p95_ms"], cold_ms, target or "", verdict, url[:60]))
    _common.print_table(
        table, ["request", "p50 ms", "p95 ms", "cold ms", "target ms", "", "url"], "Ledger pages (warm: totals cached)"
    )
    export = _export(client)
    figures.update(export)
    _common.print_table(
        [
            ("rows", export["export_rows"], ""),
            ("rows/s", export["export_rows_per_s"], f">= {TARGET_EXPORT_ROWS_PER_S:,}"),
            ("peak RSS growth MB", export["peak_rss_growth_mb"], f"< {TARGET_EXPORT_RSS_GROWTH_MB}"),
        ],
        ["export", "figure", "target"],
        "Full CSV export",
    )
    _common.print_json_line(figures)


if __name__ == "__main__":
    main()
