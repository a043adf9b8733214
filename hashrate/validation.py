"""Checks on a whole parsed payload before anything is written: one bad row refuses the lot.

Shares lie between 0 and 100; a period's shares sum to 100 within SUM_TOLERANCE_PCT when the payload names the
other/unattributed bucket, and to at most that otherwise (the rest is then stored as the bucket, marked derived,
so a period always adds up and what no one attributed shows as such). No future periods, no duplicate rows, a
sane number of rows.
"""

from collections import defaultdict
from decimal import Decimal

from hashrate.sources.base import SHARES, ParseContext, Parsed, PayloadRefused, ShareRow

SUM_TOLERANCE_PCT = Decimal("0.5")
MAX_ROWS = {SHARES: 50_000, "network": 20_000}
HUNDRED = Decimal(100)


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _share_problems(rows: list[ShareRow], context: ParseContext) -> tuple[list[str], list[ShareRow]]:
    problems, derived = [], []
    seen = set()
    by_period: dict = defaultdict(list)
    for row in rows:
        label = f"{row.period.label} {row.country}"
        if not 0 <= row.share_pct <= HUNDRED:
            problems.append(f"{label}: share {_pct(row.share_pct)} is outside 0–100")
        if row.hashrate_ehs is not None and row.hashrate_ehs < 0:
            problems.append(f"{label}: hashrate {row.hashrate_ehs} EH/s is negative")
        if row.period.start > context.today:
            problems.append(f"{label}: period {row.period.label} is in the future")
        key = (row.period, row.country)
        if key in seen:
            problems.append(f"{label}: duplicate row")
        seen.add(key)
        by_period[row.period].append(row)
    for period, period_rows in sorted(by_period.items()):
        total = sum(row.share_pct for row in period_rows)
        has_bucket = any(row.country == context.bucket for row in period_rows)
        if total > HUNDRED + SUM_TOLERANCE_PCT:
            problems.append(f"{period.label}: shares sum to {_pct(total)}, more than 100%")
        elif has_bucket and total < HUNDRED - SUM_TOLERANCE_PCT:
            problems.append(f"{period.label}: shares sum to {_pct(total)} with the other/unattributed row, not 100%")
        elif not has_bucket and total < HUNDRED - SUM_TOLERANCE_PCT:
            derived.append(ShareRow(period=period, country=context.bucket, share_pct=HUNDRED - total, is_derived=True))
    return problems, derived


def validate(parsed: Parsed, context: ParseContext) -> Parsed:
    """The payload as it will be stored (with derived remainders), or PayloadRefused listing every problem."""
    count = len(parsed)
    if count == 0:
        raise PayloadRefused("the payload has no rows")
    if count > MAX_ROWS[parsed.kind]:
        raise PayloadRefused(f"the payload has {count:,} rows, more than the {MAX_ROWS[parsed.kind]:,} expected")
    problems: list[str] = []
    shares = parsed.shares
    if parsed.kind == SHARES:
        problems, derived = _share_problems(parsed.shares, context)
        shares = [*parsed.shares, *derived]
    seen_days = set()
    for row in parsed.network:
        if not row.hashrate_ehs >= 0:
            problems.append(f"{row.day}: hashrate {row.hashrate_ehs} EH/s is negative")
        if row.day > context.today:
            problems.append(f"{row.day}: day is in the future")
        if row.day in seen_days:
            problems.append(f"{row.day}: duplicate day")
        seen_days.add(row.day)
    if problems:
        raise PayloadRefused(problems)
    return Parsed(kind=parsed.kind, shares=shares, network=parsed.network)
