"""Manual CSV of shares, as DESIGN.md fixes it: `period,country,share_pct,hashrate_ehs`.

Period `YYYY-MM` or `YYYY-Qn`; country ISO alpha-2 (or ZZ, other/unattributed); `hashrate_ehs` may be empty. For
figures such as Hashrate Index's quarterly estimates, uploaded in the admin or with refresh_hashrate --file.
"""

from hashrate.models import Granularity
from hashrate.sources.base import (
    CSV_CONTENT_TYPES,
    EHS_PLACES,
    SHARE_PLACES,
    SHARES,
    ParseContext,
    Parsed,
    PayloadRefused,
    ShareRow,
    parse_decimal,
    parse_period,
    read_csv,
)

KIND = SHARES
CONTENT_TYPES = CSV_CONTENT_TYPES
COLUMNS = ["period", "country", "share_pct", "hashrate_ehs"]


def parse(payload: bytes, context: ParseContext) -> Parsed:
    header, rows = read_csv(payload)
    if [name.casefold() for name in header] != COLUMNS:
        raise PayloadRefused(f"unexpected header `{','.join(header)}`: expected `{','.join(COLUMNS)}`")
    header_by_column = dict(zip(COLUMNS, header, strict=True))
    parsed, problems = Parsed(kind=KIND), []
    for line, raw in rows:
        row = {column: raw[header_by_column[column]].strip() for column in COLUMNS}
        country = row["country"].upper()
        if country not in context.country_codes:
            problems.append(f"line {line}: unknown country code {row['country']!r} (ISO 3166-1 alpha-2, or ZZ)")
            continue
        try:
            period = parse_period(row["period"])
            if period.granularity == Granularity.DAY:
                raise ValueError(f"period {row['period']!r} is not YYYY-MM or YYYY-Qn")
            share = parse_decimal(row["share_pct"], SHARE_PLACES, percent=True)
            ehs = parse_decimal(row["hashrate_ehs"], EHS_PLACES) if row["hashrate_ehs"] else None
        except ValueError as error:
            problems.append(f"line {line}: {error}")
            continue
        parsed.shares.append(ShareRow(period=period, country=country, share_pct=share, hashrate_ehs=ehs))
    if problems:
        raise PayloadRefused(problems)
    return parsed
