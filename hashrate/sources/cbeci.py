"""CBECI mining map CSV (Cambridge Centre for Alternative Finance): monthly share of hashrate by country.

Two published layouts: `date,country,monthly_hashrate_%,monthly_absolute_hashrate_EH/S` (percent as text like
`37.84%`, EH/s) and the older `Date,Country,Share of global hashrate`. Countries are World Bank names
(`Mainland China`, `Iran, Islamic Rep.`, `Germany *`); an unmapped name is an error that names it. `Other` is a
real row: it goes to the other/unattributed bucket.
"""

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
    parse_month_date,
    read_csv,
)

KIND = SHARES
CONTENT_TYPES = CSV_CONTENT_TYPES

# Header (casefolded) → (date column, country column, share column, EH/s column or None).
LAYOUTS = {
    ("date", "country", "monthly_hashrate_%", "monthly_absolute_hashrate_eh/s"): (
        "date",
        "country",
        "monthly_hashrate_%",
        "monthly_absolute_hashrate_EH/S",
    ),
    ("date", "country", "share of global hashrate"): ("Date", "Country", "Share of global hashrate", None),
}


def _layout(header: list[str]) -> tuple[str, str, str, str | None]:
    key = tuple(name.casefold() for name in header)
    if key not in LAYOUTS:
        known = " or ".join(f"`{','.join(filter(None, columns))}`" for columns in LAYOUTS.values())
        raise PayloadRefused(f"unexpected CBECI header `{','.join(header)}`: expected {known}")
    # Map the layout's columns onto the header as written (case may differ between releases).
    by_folded = {name.casefold(): name for name in header}
    return tuple(by_folded[column.casefold()] if column else None for column in LAYOUTS[key])


def parse(payload: bytes, context: ParseContext) -> Parsed:
    header, rows = read_csv(payload)
    date_column, country_column, share_column, ehs_column = _layout(header)
    parsed, problems, unknown = Parsed(kind=KIND), [], {}
    for line, row in rows:
        name = row[country_column].strip()
        country = context.country_for_name(name)
        if country is None:
            unknown.setdefault(name, line)
            continue
        try:
            period = parse_month_date(row[date_column])
            share = parse_decimal(row[share_column], SHARE_PLACES, percent=True)
            ehs = parse_decimal(row[ehs_column], EHS_PLACES) if ehs_column and row[ehs_column].strip() else None
        except ValueError as error:
            problems.append(f"line {line}: {error}")
            continue
        parsed.shares.append(ShareRow(period=period, country=country, share_pct=share, hashrate_ehs=ehs))
    problems += [
        f"line {line}: unknown country name {name!r} (add it as an alias of its country in the admin)"
        for name, line in unknown.items()
    ]
    if problems:
        raise PayloadRefused(problems)
    return parsed
