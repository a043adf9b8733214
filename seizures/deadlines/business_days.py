"""Counting days to a deadline: calendar days, or business days that skip weekends and US federal holidays.

Holidays come from the `holidays` package (federal holidays, with the weekday a weekend holiday is observed on),
not from a list typed here. Results are cached: a recompute of a million shipments asks about few distinct dates.
"""

import datetime
from functools import lru_cache

import holidays

ONE_DAY = datetime.timedelta(days=1)
# Federal holidays (no state given), with observed days: 4 July 2026 is a Saturday, so Friday 3 July is off.
_FEDERAL_HOLIDAYS = holidays.country_holidays("US", observed=True)


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _FEDERAL_HOLIDAYS


def holiday_name(day: datetime.date) -> str | None:
    return _FEDERAL_HOLIDAYS.get(day)


@lru_cache(maxsize=16_384)
def add_business_days(start: datetime.date, days: int) -> datetime.date:
    """The day `days` business days after `start`: the start itself never counts, whatever day it is."""
    if days < 0:
        raise ValueError("count business days forward only")
    day = start
    while days:
        day += ONE_DAY
        if is_business_day(day):
            days -= 1
    return day


@lru_cache(maxsize=16_384)
def next_business_day(day: datetime.date) -> datetime.date:
    """The day itself when it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += ONE_DAY
    return day


def add_days(start: datetime.date, days: int, *, business: bool, extend_to_business_day: bool = False) -> datetime.date:
    """The due date `days` after `start`, in business or calendar days; a calendar due date may move off a day off."""
    if business:
        return add_business_days(start, days)
    due = start + datetime.timedelta(days=days)
    return next_business_day(due) if extend_to_business_day else due
