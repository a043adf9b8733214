"""The key figures: what each card says, with its source, method and as-of date."""

import datetime
from decimal import Decimal

import pytest

from dashboard.charts.inputs import CustodyMonth, DaysCount
from dashboard.key_figures import key_figures, median_days, money
from tests.dashboard import fixtures as f

D = datetime.date


@pytest.mark.parametrize(
    ("days", "median"),
    [
        ([], None),
        ([DaysCount(10, True, 1)], 10),
        ([DaysCount(10, True, 1), DaysCount(20, True, 1)], 15),
        ([DaysCount(5, True, 3), DaysCount(40, True, 1), DaysCount(90, True, 3)], 40),
        ([DaysCount(5, True, 2), DaysCount(40, True, 1), DaysCount(90, True, 1)], 22.5),
    ],
)
def test_median_days_from_counts_per_number_of_days(days, median):
    assert median_days(days) == median


def test_money_is_shown_at_a_glance():
    assert [money(value) for value in (9500, 845_000, 5_320_000, 2_100_000_000)] == [
        "$9,500",
        "$845k",
        "$5.32M",
        "$2.10B",
    ]


def test_key_figures_give_each_card_its_source_method_and_as_of_date():
    figures = {
        figure.key: figure
        for figure in key_figures(
            now=CustodyMonth(D(2025, 4, 1), 1739, Decimal("1408840.00"), Decimal("342400.00")),
            released_units=120,
            held_days=[DaysCount(600, True, 3), DaysCount(640, True, 2)],
            us_share=f.POOL_US,
            cn_share=f.POOL_CN,
            network=f.NETWORK,
            as_of=D(2025, 4, 20),
            overdue_deadlines=3,
        )
    }

    assert figures["overdue_deadlines"].text == "3"
    assert figures["overdue_deadlines"].as_of == "2025-04-20"
    assert list(figures)[:-1] == [
        "machines_in_custody",
        "value_in_custody_usd",
        "hashrate_in_custody_phs",
        "units_released_30d",
        "median_days_held",
        "us_share_pct",
        "cn_share_pct",
    ]
    assert figures["machines_in_custody"].text == "1,739"
    assert figures["value_in_custody_usd"].text == "$1.41M"
    hashrate = figures["hashrate_in_custody_phs"]
    assert hashrate.text == "342.4 PH/s"
    # US network: 37.5% (the latest US share) × 800 EH/s (the network's mean over 30 days to its last figure).
    assert hashrate.detail == "= 0.11% of the US network (est. 300 EH/s)"
    assert "Blockchain.com hash rate, 30-day mean to 2025-02-10" in hashrate.method
    assert figures["units_released_30d"].detail == "22 Mar – 20 Apr 2025"
    assert figures["median_days_held"].value == 600
    us = figures["us_share_pct"]
    assert (us.text, us.source, us.as_of) == ("37.5%", "Pool blocks by headquarters", "2025-03")
    assert "where pools are run, not where the machines hash" in us.method
    assert {figure.as_of for key, figure in figures.items() if not key.endswith("share_pct")} == {"2025-04-20"}
    assert all(figure.source for figure in figures.values())
