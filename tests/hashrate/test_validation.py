import datetime
from decimal import Decimal

import pytest

from hashrate.models import Granularity
from hashrate.sources.base import NETWORK, SHARES, NetworkRow, ParseContext, Parsed, PayloadRefused, Period, ShareRow
from hashrate.validation import validate

TODAY = datetime.date(2025, 11, 24)
CONTEXT = ParseContext(country_by_name={}, country_codes={"US", "CN", "ZZ"}, country_by_pool={}, today=TODAY)
Q2 = Period(Granularity.QUARTER, datetime.date(2025, 4, 1))


def shares(*rows):
    return Parsed(kind=SHARES, shares=[ShareRow(period=Q2, country=c, share_pct=Decimal(s)) for c, s in rows])


def test_shares_summing_to_160_are_refused():
    with pytest.raises(PayloadRefused, match=r"2025-Q2: shares sum to 160(\.0+)?%, more than 100%"):
        validate(shares(("US", "80"), ("CN", "80")), CONTEXT)


def test_a_negative_share_is_refused():
    with pytest.raises(PayloadRefused, match="share -5% is outside 0–100"):
        validate(shares(("US", "40"), ("CN", "-5")), CONTEXT)


def test_a_duplicate_row_is_refused():
    with pytest.raises(PayloadRefused, match="2025-Q2 US: duplicate row"):
        validate(shares(("US", "40"), ("US", "40")), CONTEXT)


def test_a_future_period_is_refused():
    future = Parsed(
        kind=SHARES, shares=[ShareRow(Period(Granularity.MONTH, datetime.date(2025, 12, 1)), "US", Decimal(40))]
    )
    with pytest.raises(PayloadRefused, match="period 2025-12 is in the future"):
        validate(future, CONTEXT)


def test_no_rows_is_refused():
    with pytest.raises(PayloadRefused, match="no rows"):
        validate(Parsed(kind=SHARES), CONTEXT)


def test_the_unnamed_rest_of_a_period_becomes_derived_unattributed():
    stored = validate(shares(("US", "36.025"), ("CN", "13.727")), CONTEXT)
    rest = [row for row in stored.shares if row.country == "ZZ"]
    assert len(rest) == 1
    assert (rest[0].share_pct, rest[0].is_derived) == (Decimal("50.248"), True)


def test_a_period_with_the_bucket_must_add_up_to_100():
    with pytest.raises(PayloadRefused, match="with the other/unattributed row, not 100%"):
        validate(shares(("US", "36"), ("ZZ", "10")), CONTEXT)
    assert len(validate(shares(("US", "36"), ("CN", "54.1"), ("ZZ", "10")), CONTEXT).shares) == 3


def test_network_rows_are_checked_for_duplicate_and_future_days():
    day = datetime.date(2025, 1, 1)
    with pytest.raises(PayloadRefused, match="2025-01-01: duplicate day"):
        validate(Parsed(kind=NETWORK, network=[NetworkRow(day, 800.0), NetworkRow(day, 801.0)]), CONTEXT)
    with pytest.raises(PayloadRefused, match="2026-01-01: day is in the future"):
        validate(Parsed(kind=NETWORK, network=[NetworkRow(datetime.date(2026, 1, 1), 800.0)]), CONTEXT)


def test_too_many_rows_are_refused():
    days = [NetworkRow(datetime.date(1960, 1, 1) + datetime.timedelta(days=n), 1.0) for n in range(20_001)]
    with pytest.raises(PayloadRefused, match="20,001 rows, more than the 20,000 expected"):
        validate(Parsed(kind=NETWORK, network=days), CONTEXT)
