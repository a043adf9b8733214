"""A hand-made set of aggregates, small enough to check every figure of every chart by hand."""

import datetime
from decimal import Decimal

from dashboard.charts.inputs import (
    CustodyMonth,
    DaysCount,
    Mark,
    NetworkSeries,
    PortCustody,
    ShareObservation,
    ShareSeries,
    StatusCount,
    View,
)

D = datetime.date

VIEW = View(start=D(2024, 11, 1), end=D(2025, 4, 1), as_of=D(2025, 4, 20))

MONTHS = [
    CustodyMonth(D(2024, 11, 1), 100, Decimal("300000.00"), Decimal("20000.00")),
    CustodyMonth(D(2024, 12, 1), 250, Decimal("700000.00"), Decimal("50000.00")),
    CustodyMonth(D(2025, 1, 1), 400, Decimal("1100000.00"), Decimal("80000.00")),
    CustodyMonth(D(2025, 2, 1), 380, Decimal("1050000.00"), Decimal("76000.00")),
    CustodyMonth(D(2025, 3, 1), 200, Decimal("560000.00"), Decimal("40000.00")),
    CustodyMonth(D(2025, 4, 1), 150, Decimal("420000.00"), Decimal("30000.00")),
]


def monthly(slug, name, method, label, country, points):
    return ShareSeries(
        source=name,
        slug=slug,
        method=method,
        method_label=label,
        granularity="month",
        country=country,
        observations=tuple(ShareObservation(day, Decimal(pct)) for day, pct in points),
    )


POOL_US = monthly(
    "pool-blocks",
    "Pool blocks by headquarters",
    "pool_headquarters",
    "pool headquarters",
    "US",
    # October is before the view; January is missing: a gap, never a line across it.
    [
        (D(2024, 10, 1), "41.0"),
        (D(2024, 11, 1), "40.0"),
        (D(2024, 12, 1), "39.5"),
        (D(2025, 2, 1), "38.0"),
        (D(2025, 3, 1), "37.5"),
    ],
)
POOL_CN = monthly(
    "pool-blocks",
    "Pool blocks by headquarters",
    "pool_headquarters",
    "pool headquarters",
    "CN",
    [(D(2024, 11, 1), "30.1"), (D(2024, 12, 1), "31.0"), (D(2025, 2, 1), "29.0"), (D(2025, 3, 1), "28.5")],
)
INDEX_US = ShareSeries(
    source="Hashrate Index quarterly estimates",
    slug="hashrate-index",
    method="estimate",
    method_label="published estimate",
    granularity="quarter",
    country="US",
    observations=(ShareObservation(D(2025, 1, 1), Decimal("36.025")),),
)
INDEX_CN = ShareSeries(
    source="Hashrate Index quarterly estimates",
    slug="hashrate-index",
    method="estimate",
    method_label="published estimate",
    granularity="quarter",
    country="CN",
    observations=(ShareObservation(D(2025, 1, 1), Decimal("13.727")),),
)
CBECI_US = monthly(
    "cbeci",
    "CBECI mining map",
    "geolocation",
    "IP geolocation",
    "US",
    [(D(2021, 12, 1), "37.0"), (D(2022, 1, 1), "37.84")],
)
SHARES = [POOL_US, POOL_CN, INDEX_US, INDEX_CN, CBECI_US]

NETWORK = NetworkSeries(
    source="Blockchain.com hash rate",
    slug="blockchain-com",
    observations=(
        (D(2024, 11, 3), 700.0),
        (D(2024, 11, 20), 740.0),
        (D(2024, 12, 10), 760.0),
        (D(2025, 2, 10), 800.0),
    ),
)

MILESTONES = [
    Mark(D(2023, 6, 1), "Before the view"),
    Mark(D(2024, 11, 25), "First Bitmain holds", "Holds at San Francisco and Detroit.", "Blockspace, Nov 2024"),
    Mark(D(2025, 2, 1), "MicroBT and Canaan held too", "", "Blockspace, Feb 2025"),
    Mark(D(2025, 3, 5), "First releases", "Thousands released.", "Reuters, 5 Mar 2025"),
]

BY_MANUFACTURER = {
    "Bitmain": [CustodyMonth(month.month, month.units - 40, month.value_usd, month.hashrate_ths) for month in MONTHS],
    "Canaan": [CustodyMonth(month.month, 40, Decimal("24000.00"), Decimal("6000.00")) for month in MONTHS],
}

PORTS = [
    PortCustody("2809", "San Francisco", 60, Decimal("180000.00"), Decimal("12000.00")),
    PortCustody("3801", "Detroit", 90, Decimal("240000.00"), Decimal("18000.00")),
    PortCustody("1001", "New York", 0, Decimal("0.00"), Decimal("0.00")),
]

STATUS_COUNTS = [
    StatusCount("released", "Released", 7),
    StatusCount("detained", "Detained", 3),
    StatusCount("partially_released", "Partially released", 2),
    StatusCount("forfeited", "Forfeited", 1),
]

DAYS = [DaysCount(5, True, 2), DaysCount(29, False, 1), DaysCount(30, True, 4), DaysCount(95, False, 3)]
