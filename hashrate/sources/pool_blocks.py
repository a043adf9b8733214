"""Monthly blocks per pool (data/pool-blocks-monthly.csv) → monthly share by pool headquarters.

Columns `month,pool_slug,blocks,month_blocks,first_height,last_height`; a month's pools must add up to its
`month_blocks`, so a truncated file cannot pass for a complete month.
"""

from collections import defaultdict

from hashrate.sources.base import (
    CSV_CONTENT_TYPES,
    SHARES,
    ParseContext,
    Parsed,
    PayloadRefused,
    Period,
    parse_period,
    read_csv,
)
from hashrate.sources.pools import shares_by_headquarters

KIND = SHARES
CONTENT_TYPES = CSV_CONTENT_TYPES
COLUMNS = ["month", "pool_slug", "blocks", "month_blocks", "first_height", "last_height"]


def _count(text: str, column: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a whole number") from None
    if value < 0:
        raise ValueError(f"{column} {value} is negative")
    return value


def parse(payload: bytes, context: ParseContext) -> Parsed:
    header, rows = read_csv(payload)
    if header != COLUMNS:
        raise PayloadRefused(f"unexpected header `{','.join(header)}`: expected `{','.join(COLUMNS)}`")
    blocks: dict[Period, dict[str, int]] = defaultdict(dict)
    month_totals: dict[Period, int] = {}
    problems = []
    for line, row in rows:
        try:
            period = parse_period(row["month"])
            if period.granularity != "month":
                raise ValueError(f"month {row['month']!r} is not YYYY-MM")
            pool = row["pool_slug"].strip()
            count = _count(row["blocks"], "blocks")
            total = _count(row["month_blocks"], "month_blocks")
        except ValueError as error:
            problems.append(f"line {line}: {error}")
            continue
        if pool in blocks[period]:
            problems.append(f"line {line}: duplicate row for {pool} in {period.label}")
            continue
        if month_totals.setdefault(period, total) != total:
            problems.append(f"line {line}: month_blocks {total} differs from {month_totals[period]} on earlier rows")
        blocks[period][pool] = count
    for period, by_pool in blocks.items():
        listed = sum(by_pool.values())
        if listed != month_totals[period]:
            expected = month_totals[period]
            problems.append(f"{period.label}: pools add up to {listed} blocks, month_blocks says {expected}")
        elif listed == 0:
            problems.append(f"{period.label}: no blocks")
    if problems:
        raise PayloadRefused(problems)
    parsed = Parsed(kind=KIND)
    for period in sorted(blocks):
        parsed.shares += shares_by_headquarters(period, blocks[period], month_totals[period], context)
    return parsed
