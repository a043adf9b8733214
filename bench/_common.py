"""Shared helpers for the bench scripts: Django from DATABASE_URL, the checks every bench makes before it runs,
timing and percentiles, peak RSS, a readable table and the closing JSON line (see DESIGN.md: Benchmarks).
"""

import argparse
import json
import math
import os
import resource
import sys
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def setup_django() -> None:
    """Configure Django from the environment (DATABASE_URL) like manage.py does; safe to call twice."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def require_postgresql(script: str) -> None:
    """Exit with a message unless the default database is PostgreSQL: the figures mean nothing on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(
            f"{script} needs PostgreSQL, but DATABASE_URL names a {connection.vendor} database.\n"
            "Set DATABASE_URL=postgres://USER@HOST:5432/DBNAME and run it again."
        )


def require_migrated() -> None:
    """Exit with a message when migrations are unapplied: the bench would measure (or fill) the wrong schema."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        sys.exit(
            f"The database has {len(plan)} unapplied migration(s) ({names}{more}).\n"
            "Run `.venv/bin/python manage.py migrate` with the same DATABASE_URL first."
        )


def shipments_argument_parser(description: str, default: int = 1_000_000) -> argparse.ArgumentParser:
    """The --shipments N option every bench takes (DESIGN.md: Benchmarks)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--shipments",
        type=int,
        default=default,
        metavar="N",
        help=f"generated shipments to run on (default {default:,})",
    )
    return parser


# Timing


@contextmanager
def timed(figures: dict, key: str):
    """Store the wall time of the block in figures[key] (seconds); the key should say so, e.g. copy_seconds."""
    started = time.perf_counter()
    try:
        yield
    finally:
        figures[key] = round(time.perf_counter() - started, 3)


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile (0–100) with linear interpolation between closest ranks, as numpy's default does."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary_ms(prefix: str, seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of timings given in seconds, as {prefix}_p50_ms and so on, rounded to 0.1 ms."""
    ms = [value * 1000 for value in seconds]
    summary = {f"{prefix}_p{pct}_ms": round(percentile(ms, pct), 1) for pct in (50, 95, 99)}
    summary[f"{prefix}_max_ms"] = round(max(ms), 1)
    return summary


# Memory


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident set size so far in MB, of this process or of its largest finished child (KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF).ru_maxrss / 1024


# Output


def _cell(value) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def print_table(rows: Iterable[Sequence], headers: Sequence[str], title: str = "") -> None:
    """Print rows as an aligned plain-text table: numbers right-aligned with thousands separators."""
    rows = [list(row) for row in rows]
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) for row in rows) and bool(rows) for i in range(len(headers))]

    def line(values):
        return "  ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    if title:
        print(f"\n{title}")
    print(line(headers))
    print("  ".join("-" * width for width in widths))
    for row in cells:
        print(line(row))
    sys.stdout.flush()


def print_json_line(figures: dict) -> None:
    """The closing line of a bench: one JSON object, units in the key names (first_page_p50_ms, …)."""
    print(json.dumps(figures, separators=(", ", ": ")), flush=True)
