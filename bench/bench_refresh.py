"""Benchmark a hashrate refresh at scale on the PostgreSQL database named by DATABASE_URL.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_refresh.py

Builds two payloads in the upstream formats: ten years of daily network hashrate (mempool.space JSON) and
40 countries × 120 months of shares (the manual CSV), and loads them into two bench sources through the same
service as the command and the tasks (parse, validate the whole payload, upsert in one transaction). Times the
first load, an unchanged re-run (which must change 0 rows) and a re-run where 1% of the figures changed (kept as
revisions), then removes the bench sources (--keep leaves them). Prints a table, then one JSON line of figures.
--shipments is accepted like every bench takes it; the ledger plays no part in this one.
"""

import datetime
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make the repo importable

from bench import _common

_common.setup_django()

from django.utils import timezone  # noqa: E402

from hashrate import services  # noqa: E402
from hashrate.models import (  # noqa: E402
    Country,
    CountryShareRevision,
    Method,
    NetworkHashrateRevision,
    Parser,
    Schedule,
    Source,
    Trigger,
)

TARGET_FIRST_LOAD_S = 2.0
TARGET_RERUN_S = 0.3
NETWORK_SLUG = "bench-network"
SHARES_SLUG = "bench-shares"
REVISED_FRACTION = 0.01


def _arguments():
    parser = _common.shipments_argument_parser(__doc__.splitlines()[0], default=0)
    parser.add_argument("--days", type=int, default=3650, help="days of network hashrate (default 3,650)")
    parser.add_argument("--countries", type=int, default=40, help="countries with a share (default 40)")
    parser.add_argument("--months", type=int, default=120, help="months of shares (default 120)")
    parser.add_argument("--seed", type=int, default=20250305)
    parser.add_argument("--keep", action="store_true", help="leave the bench sources and their rows")
    return parser.parse_args()


def network_payload(days: int, rng: random.Random, revise: float = 0.0) -> bytes:
    """mempool.space /api/v1/mining/hashrate JSON: one point per UTC day up to yesterday, H/s."""
    last = timezone.now().date() - datetime.timedelta(days=1)
    points = []
    for n in range(days):
        day = last - datetime.timedelta(days=days - 1 - n)
        ehs = 50 + 950 * n / days  # a rising network, 50 to 1,000 EH/s
        if revise and rng.random() < revise:
            ehs *= 1.01
        timestamp = int(datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC).timestamp())
        points.append({"timestamp": timestamp, "avgHashrate": ehs * 1e18})
    return json.dumps({"hashrates": points, "difficulty": [], "currentHashrate": points[-1]["avgHashrate"]}).encode()


def _months(count: int) -> list[str]:
    today = timezone.now().date()
    year, month = today.year, today.month
    labels = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        labels.append(f"{year:04d}-{month:02d}")
    return labels[::-1]


def shares_payload(codes: list[str], months: int, weights: list[float], revise: set[int] | None = None) -> bytes:
    """The manual CSV `period,country,share_pct,hashrate_ehs`; each month's shares sum to exactly 100."""
    lines = ["period,country,share_pct,hashrate_ehs"]
    total_weight = sum(weights)
    index = 0
    for period in _months(months):
        hundredths = [round(10_000 * weight / total_weight) for weight in weights]
        hundredths[0] += 10_000 - sum(hundredths)  # rounding remainder on the largest, so the month adds up
        for code, share in zip(codes, hundredths, strict=True):
            ehs = share * 8 / 100
            if revise and index in revise:
                ehs += 0.5
            lines.append(f"{period},{code},{share / 100:.2f},{ehs:.2f}")
            index += 1
    return ("\n".join(lines) + "\n").encode()


def _source(slug: str, name: str, parser: str) -> Source:
    Source.objects.filter(slug=slug).delete()
    return Source.objects.create(
        slug=slug, name=name, parser=parser, method=Method.MANUAL, schedule=Schedule.MANUAL, terms="bench data"
    )


def _refresh(source: Source, payload: bytes):
    run = services.source_refresh(source=source, trigger=Trigger.COMMAND, payload=payload)
    if run.outcome != "succeeded":
        sys.exit(f"{source.slug}: {run.outcome}: {run.message}")
    return run


def _timed_pair(network: Source, network_body: bytes, shares: Source, shares_body: bytes):
    started = time.perf_counter()
    runs = (_refresh(network, network_body), _refresh(shares, shares_body))
    return time.perf_counter() - started, runs


def main() -> None:
    args = _arguments()
    _common.require_postgresql("bench_refresh.py")
    _common.require_migrated()
    rng = random.Random(args.seed)
    codes = list(
        Country.objects.filter(is_bucket=False)
        .exclude(code__in=["US", "CN"])
        .order_by("code")
        .values_list("code", flat=True)
    )
    codes = ["US", "CN", *rng.sample(codes, args.countries - 2)]
    weights = sorted((rng.paretovariate(1.2) for _ in codes), reverse=True)
    network_body = network_payload(args.days, rng)
    shares_body = shares_payload(codes, args.months, weights)
    share_rows = args.countries * args.months
    revised_rows = set(rng.sample(range(share_rows), int(share_rows * REVISED_FRACTION)))
    revised_network = network_payload(args.days, random.Random(args.seed), revise=REVISED_FRACTION)
    revised_shares = shares_payload(codes, args.months, weights, revise=revised_rows)

    network = _source(NETWORK_SLUG, "Bench network hashrate", Parser.MEMPOOL_HASHRATE)
    shares = _source(SHARES_SLUG, "Bench country shares", Parser.MANUAL_CSV)
    try:
        first_s, first = _timed_pair(network, network_body, shares, shares_body)
        rerun_s, rerun = _timed_pair(network, network_body, shares, shares_body)
        revised_s, revised = _timed_pair(network, revised_network, shares, revised_shares)
        revisions = (
            CountryShareRevision.objects.filter(share__source=shares).count()
            + NetworkHashrateRevision.objects.filter(observation__source=network).count()
        )
    finally:
        if not args.keep:
            Source.objects.filter(slug__in=[NETWORK_SLUG, SHARES_SLUG]).delete()

    def counts(runs):
        return [sum(getattr(run, field) for run in runs) for field in ("rows_added", "rows_changed", "rows_unchanged")]

    _common.print_table(
        [
            ["first load", round(first_s, 3), *counts(first), TARGET_FIRST_LOAD_S],
            ["unchanged re-run", round(rerun_s, 3), *counts(rerun), TARGET_RERUN_S],
            [f"re-run, {REVISED_FRACTION:.0%} revised", round(revised_s, 3), *counts(revised), None],
        ],
        headers=["refresh", "seconds", "added", "changed", "unchanged", "target s"],
        title=(
            f"hashrate refresh: {args.days:,} days of network hashrate + {args.countries} countries × "
            f"{args.months} months of shares ({len(network_body) + len(shares_body):,} bytes of payload)"
        ),
    )
    figures = {
        "network_rows": args.days,
        "share_rows": share_rows,
        "payload_bytes": len(network_body) + len(shares_body),
        "first_load_s": round(first_s, 3),
        "rerun_s": round(rerun_s, 3),
        "revised_rerun_s": round(revised_s, 3),
        "rerun_rows_changed": counts(rerun)[1],
        "revisions_kept": revisions,
        "first_load_target_s": TARGET_FIRST_LOAD_S,
        "rerun_target_s": TARGET_RERUN_S,
        "first_load_ok": first_s < TARGET_FIRST_LOAD_S,
        "rerun_ok": rerun_s < TARGET_RERUN_S,
    }
    print()
    _common.print_json_line(figures)


if __name__ == "__main__":
    main()
