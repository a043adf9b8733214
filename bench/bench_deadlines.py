"""Benchmark the legal deadlines at scale on the PostgreSQL database named by DATABASE_URL.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_deadlines.py --shipments 1000000

Generates (or reuses) N shipments with bench/generate.py, recomputes every shipment's deadlines under the seeded
rules (what a rule change queues; bench/generate.py writes no deadlines, so the first run inserts them all and a
later one only checks them), then times requests through Django's test client, in process, as a Compliance
user: /deadlines/ unfiltered (its counts served from the cache after the first request), filtered by importer,
port, rule and due date, page 100, the ledger's `due_within` filter, the calendar feed, and the full CSV export.
"cold" is one request on an empty cache. With --rule-change CODE=DAYS it also times what an admin's edit
queues: the rule's days changed and every deadline recomputed, then the days put back and recomputed again.
Prints tables, then one JSON line.
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench import generate  # noqa: E402
from seizures import roles  # noqa: E402
from seizures.deadlines import services as deadline_services  # noqa: E402
from seizures.models import Deadline, DeadlineRecompute, DeadlineRule, Importer  # noqa: E402

REPEATS = 30
WARMUP = 3
TARGETS_MS = {"deadlines_page": 50, "importer_filter": 50, "port_filter": 50, "rule_filter": 50, "due_within": 50}
TARGET_RECOMPUTE_SECONDS = 600


def _client() -> tuple[Client, str]:
    user, _ = get_user_model().objects.get_or_create(username="bench-compliance")
    user.groups.add(Group.objects.get(name=roles.COMPLIANCE))
    client = Client()
    client.force_login(user)
    return client, deadline_services.calendar_token_rotate(user=user)


def _recompute(reason: str = "bench/bench_deadlines.py") -> dict:
    run = DeadlineRecompute.objects.create(reason=reason)
    rows_before = Deadline.objects.count()
    started = time.perf_counter()
    last = [started]

    def progress(run):
        now = time.perf_counter()
        if now - last[0] >= 15:
            last[0] = now
            print(f"      {run.shipments_done:,}/{run.shipments_total:,} shipments  {now - started:,.0f} s", flush=True)

    print(f"recomputing every shipment's deadlines ({reason}; {rows_before:,} deadline rows before)", flush=True)
    run = deadline_services.deadlines_recompute_all(run=run, progress=progress)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE seizures_deadline")
        cursor.execute("ANALYZE seizures_shipment")
    return {
        "recompute_seconds": round(seconds, 1),
        "recompute_shipments_per_s": round(run.shipments_done / seconds),
        "recompute_rows_before": rows_before,
        "deadline_rows": Deadline.objects.count(),
        "open_deadlines": Deadline.objects.open().count(),
        "recompute_message": run.message,
    }


def _clear_deadlines() -> None:
    print("removing every stored deadline and next deadline date (derived; the recompute puts them back)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Deadline._meta.db_table}")
        cursor.execute("UPDATE seizures_shipment SET next_deadline_on = NULL WHERE next_deadline_on IS NOT NULL")
        cursor.execute("VACUUM ANALYZE seizures_shipment")  # 1M rows just rewritten


def _rule_change(change: str) -> dict:
    """Change a rule's days, recompute (timed), put the days back, recompute again (timed)."""
    code, days = change.split("=")
    rule = DeadlineRule.objects.get(code=code)
    original = rule.offset_days
    DeadlineRule.objects.filter(pk=rule.pk).update(offset_days=int(days))
    try:
        changed = _recompute(f"{code} {original} → {days} days")
    finally:
        DeadlineRule.objects.filter(pk=rule.pk).update(offset_days=original)
    restored = _recompute(f"{code} back to {original} days")
    return {
        "rule_change_recompute_seconds": changed["recompute_seconds"],
        "rule_change_message": changed["recompute_message"],
        "rule_restore_recompute_seconds": restored["recompute_seconds"],
    }


def _time_cold(client: Client, url: str) -> float:
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


def _scenarios(token: str) -> dict[str, str]:
    busiest_importer = (
        Importer.objects.filter(name__startswith="Bench Importer").order_by("name").values_list("name", flat=True)[7]
    )
    return {
        "deadlines_page": "/deadlines/",
        "importer_filter": f"/deadlines/?importer={busiest_importer.replace(' ', '+')}",
        "port_filter": "/deadlines/?port=2809",
        "rule_filter": "/deadlines/?rule=petition-for-relief",
        "due_within": "/deadlines/?due_within=30",
        "page_100": "/deadlines/?page=100",
        "ledger_due_within": "/shipments/?due_within=30",
        "calendar_feed": f"/deadlines/calendar.ics?token={token}",
    }


def _export(client: Client) -> dict:
    rss_before = _common.rss_mb()
    peak = rss_before
    rows = 0
    started = time.perf_counter()
    for chunk in client.get("/deadlines/export.csv").streaming_content:
        rows += chunk.count(b"\n")
        peak = max(peak, _common.rss_mb())
    seconds = time.perf_counter() - started
    rows -= 1
    return {
        "export_rows": rows,
        "export_seconds": round(seconds, 2),
        "export_rows_per_s": round(rows / seconds),
        "peak_rss_growth_mb": round(peak - rss_before, 1),
    }


def main() -> None:
    parser = _common.shipments_argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--no-recompute", action="store_true", help="time the pages on the deadlines as stored")
    parser.add_argument(
        "--from-scratch",
        action="store_true",
        help="first remove every stored deadline (derived data only), so the recompute inserts them all",
    )
    parser.add_argument("--rule-change", metavar="CODE=DAYS", help="also time a rule edit, e.g. petition-for-relief=45")
    args = parser.parse_args()
    generate.ensure_generated(args.shipments)
    figures: dict = {"shipments": args.shipments}
    if args.from_scratch:
        _clear_deadlines()
    if not args.no_recompute:
        recompute = _recompute()
        message = recompute.pop("recompute_message")
        figures.update(recompute)
        verdict = "ok" if recompute["recompute_seconds"] <= TARGET_RECOMPUTE_SECONDS else "OVER"
        _common.print_table(
            [
                ("seconds", recompute["recompute_seconds"], f"<= {TARGET_RECOMPUTE_SECONDS}", verdict),
                ("shipments/s", recompute["recompute_shipments_per_s"], "", ""),
                ("deadline rows before", recompute["recompute_rows_before"], "", ""),
                ("deadline rows after", recompute["deadline_rows"], "", ""),
                ("open deadlines", recompute["open_deadlines"], "", ""),
            ],
            ["recompute", "figure", "target", ""],
            f"Recompute of every shipment's deadlines: {message}",
        )
    if args.rule_change:
        change = _rule_change(args.rule_change)
        message = change.pop("rule_change_message")
        figures.update(change)
        _common.print_table(
            [(key, value) for key, value in change.items()], ["rule change", "figure"], f"Rule change: {message}"
        )
    client, token = _client()
    table = []
    for name, url in _scenarios(token).items():
        cold_ms = round(_time_cold(client, url) * 1000, 1)
        summary = _common.latency_summary_ms(name, _time_requests(client, url))
        figures.update(summary)
        figures[f"{name}_cold_ms"] = cold_ms
        target = TARGETS_MS.get(name)
        p50 = summary[f"{name}_p50_ms"]
        verdict = "" if target is None else ("ok" if p50 <= target else "OVER")
        table.append((name, p50, summary[f"{name}_p95_ms"], cold_ms, target or "", verdict, url[:60]))
    _common.print_table(
        table,
        ["request", "p50 ms", "p95 ms", "cold ms", "target ms", "", "url"],
        "Deadline pages (warm: counts cached)",
    )
    export = _export(client)
    figures.update(export)
    _common.print_table(
        [(key, value) for key, value in export.items()], ["export", "figure"], "Full CSV export of open deadlines"
    )
    _common.print_json_line(figures)


if __name__ == "__main__":
    main()
