"""Benchmark the executive dashboard at scale on the PostgreSQL database named by DATABASE_URL.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_dashboard.py --shipments 1000000

Generates (or reuses) N shipments with bench/generate.py, counts that as a change (the generator writes behind the
services' back, so nothing bumped the data version), then times:
- a full render_charts (what the Celery task and the command run), each time on an empty cache, with each chart's
  share and the one GROUP BY over the custody changes that most of them sum;
- /dashboard/ served from the stored charts, and a chart's JSON, and its 304 revalidation, through Django's test
  client in process as an Executive (p50/p95 of repeated requests);
- a filtered view's first request after a change (rendered on demand, then cached per data version).
Prints a table, then one JSON line.
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
from dashboard import services  # noqa: E402
from dashboard.models import RenderedChart  # noqa: E402
from seizures import roles  # noqa: E402
from seizures import selectors as ledger  # noqa: E402

RENDERS = 3
REPEATS = 50
WARMUP = 5
TARGETS_MS = {"dashboard_page": 15, "chart_json": 5}
TARGET_RENDER_S = 5
FILTERED = [
    ("filtered_headline", "/dashboard/charts/custody-vs-share.json?start=2025-01&end=2025-12&manufacturer=Bitmain"),
    ("filtered_status", "/dashboard/charts/status.json?start=2025-01&end=2025-12&manufacturer=Bitmain"),
    ("filtered_page", "/dashboard/?start=2025-01&end=2025-12&manufacturer=Bitmain"),
]


def _client() -> Client:
    user, _ = get_user_model().objects.get_or_create(username="bench-executive")
    user.groups.add(Group.objects.get(name=roles.EXECUTIVES))
    client = Client()
    client.force_login(user)
    return client


def _time_requests(client: Client, url: str, headers: dict | None = None, status: int = 200) -> list[float]:
    for _ in range(WARMUP):
        assert client.get(url, headers=headers or {}).status_code == status, url
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        timings.append(time.perf_counter() - started)
        assert response.status_code == status, url
    return timings


def _renders(figures: dict) -> list[tuple]:
    seconds = []
    for _ in range(RENDERS):
        services.data_version_bump()
        cache.clear()  # the custody changes by month are cached per data version: time the GROUP BY too
        started = time.perf_counter()
        services.charts_render()
        seconds.append(time.perf_counter() - started)
    figures["render_charts_s"] = round(_common.percentile(seconds, 50), 3)
    figures["render_charts_max_s"] = round(max(seconds), 3)
    with _common.timed(figures, "custody_changes_by_month_s"):
        groups = len(ledger.custody_changes_by_month())
    figures["custody_change_groups"] = groups
    return [(chart.slug, chart.render_ms) for chart in RenderedChart.objects.order_by("-render_ms")]


def main() -> None:
    args = _common.shipments_argument_parser(__doc__.splitlines()[0]).parse_args()
    generate.ensure_generated(args.shipments)
    figures = {"shipments": args.shipments}

    per_chart = _renders(figures)
    _common.print_table(
        [*per_chart, ("custody changes by month (GROUP BY)", round(figures["custody_changes_by_month_s"] * 1000))],
        ["chart (last render)", "ms"],
        f"Full render: p50 {figures['render_charts_s']:.2f} s over {RENDERS} (target <= {TARGET_RENDER_S} s)",
    )

    client = _client()
    etag = client.get("/dashboard/charts/custody-vs-share.json")["ETag"]
    scenarios = [
        ("dashboard_page", "/dashboard/", None, 200),
        ("chart_json", "/dashboard/charts/custody-vs-share.json", None, 200),
        ("chart_json_304", "/dashboard/charts/custody-vs-share.json", {"If-None-Match": etag}, 304),
        ("chart_csv", "/dashboard/charts/custody-by-port.csv", None, 200),
    ]
    table = []
    for name, url, headers, status in scenarios:
        summary = _common.latency_summary_ms(name, _time_requests(client, url, headers, status))
        figures.update(summary)
        target = TARGETS_MS.get(name)
        p50 = summary[f"{name}_p50_ms"]
        verdict = "" if target is None else ("ok" if p50 <= target else "OVER")
        table.append((name, p50, summary[f"{name}_p95_ms"], target or "", verdict, url))
    _common.print_table(table, ["request", "p50 ms", "p95 ms", "target ms", "", "url"], "Served from stored charts")

    services.data_version_bump()  # a change: filtered views render again on their first request
    cold = []
    for name, url in FILTERED:
        started = time.perf_counter()
        assert client.get(url).status_code == 200, url
        figures[f"{name}_cold_ms"] = round((time.perf_counter() - started) * 1000, 1)
        warm = _common.latency_summary_ms(name, _time_requests(client, url))
        figures[f"{name}_p50_ms"] = warm[f"{name}_p50_ms"]
        cold.append((name, figures[f"{name}_cold_ms"], warm[f"{name}_p50_ms"], url))
    _common.print_table(cold, ["request", "cold ms", "warm p50 ms", "url"], "Filtered views (on demand, then cached)")
    _common.print_json_line(figures)


if __name__ == "__main__":
    main()
