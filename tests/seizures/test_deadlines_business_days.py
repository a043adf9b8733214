"""seizures/deadlines/business_days.py: business days skip weekends and US federal holidays (from `holidays`)."""

import datetime

import pytest

from seizures.deadlines.business_days import add_business_days, add_days, holiday_name, is_business_day

D = datetime.date


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Wednesday before Thanksgiving 2025: Thu 27 is the holiday, Fri 28 counts, then Mon 1 to Thu 4 December.
        (D(2025, 11, 26), 5, D(2025, 12, 4)),
        (D(2025, 11, 26), 1, D(2025, 11, 28)),
        # Friday to Monday over a weekend.
        (D(2025, 3, 7), 1, D(2025, 3, 10)),
        (D(2025, 3, 7), 5, D(2025, 3, 14)),
        # A clock starting on a Saturday: its first business day is Monday.
        (D(2025, 3, 8), 1, D(2025, 3, 10)),
        # Friday before Martin Luther King Jr. Day 2026 (Monday 19 January).
        (D(2026, 1, 16), 1, D(2026, 1, 20)),
        # Independence Day 2026 is a Saturday, observed on Friday 3 July.
        (D(2026, 7, 2), 1, D(2026, 7, 6)),
        # Christmas 2025 (Thursday) and New Year's Day 2026 (Thursday) in one stretch.
        (D(2025, 12, 23), 5, D(2025, 12, 31)),
        (D(2025, 12, 23), 6, D(2026, 1, 2)),
        # Juneteenth 2025 (Thursday).
        (D(2025, 6, 16), 5, D(2025, 6, 24)),
        (D(2025, 6, 16), 0, D(2025, 6, 16)),
    ],
)
def test_business_days_skip_weekends_and_federal_holidays(start, days, due):
    assert add_business_days(start, days) == due


def test_holidays_come_from_the_holidays_package_with_observed_days():
    assert "Thanksgiving" in holiday_name(D(2025, 11, 27))
    assert "Independence Day" in holiday_name(D(2026, 7, 3))  # observed
    assert holiday_name(D(2025, 11, 28)) is None  # the day after Thanksgiving is not a federal holiday
    assert not is_business_day(D(2025, 11, 27))
    assert is_business_day(D(2025, 11, 28))


def test_calendar_days_count_every_day():
    assert add_days(D(2025, 11, 26), 30, business=False) == D(2025, 12, 26)
    assert add_days(D(2025, 1, 31), 30, business=False) == D(2025, 3, 2)


def test_a_calendar_due_date_on_a_day_off_moves_only_when_the_rule_says_so():
    # 2026-06-06 + 28 days = Saturday 4 July; Friday 3 July is its observed holiday, Sunday 5 is off too.
    assert add_days(D(2026, 6, 6), 28, business=False) == D(2026, 7, 4)
    assert add_days(D(2026, 6, 6), 28, business=False, extend_to_business_day=True) == D(2026, 7, 6)


def test_business_days_are_counted_forward_only():
    with pytest.raises(ValueError, match="forward"):
        add_business_days(D(2025, 1, 1), -1)
