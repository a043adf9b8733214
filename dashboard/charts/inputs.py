"""The aggregates chart builders take: plain frozen dataclasses, filled by dashboard/selectors.py or by hand."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

THS_PER_EHS = 1_000_000


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from first's to last's, both included, as their first days."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class View:
    """What every chart of one request shows: a span of months, the day it is drawn as of, the filters in words,
    and whether invented demo shipments are among the figures."""

    start: datetime.date  # first day of the first month
    end: datetime.date  # first day of the last month
    as_of: datetime.date
    filters_text: str = ""  # "Bitmain · 2809 San Francisco"; empty for the whole ledger
    demo: bool = False

    @property
    def months(self) -> list[datetime.date]:
        return months_between(self.start, self.end)

    @property
    def stop(self) -> datetime.date:
        """The day after the last month: the view covers start <= day < stop."""
        return add_months(self.end, 1)

    @property
    def last_day(self) -> datetime.date:
        return min(self.stop - datetime.timedelta(days=1), self.as_of)


@dataclass(frozen=True)
class CustodyMonth:
    """What was in custody at the end of one month (for the current month: on the day the chart is drawn)."""

    month: datetime.date
    units: int
    value_usd: Decimal
    hashrate_ths: Decimal

    @property
    def hashrate_ehs(self) -> float:
        return float(self.hashrate_ths) / THS_PER_EHS


@dataclass(frozen=True)
class ShareObservation:
    period_start: datetime.date
    share_pct: Decimal


@dataclass(frozen=True)
class ShareSeries:
    """One source's share of network hashrate for one country, at the source's own granularity. A series never
    mixes sources (so never methods): a chart draws each as its own trace."""

    source: str  # the source's name
    slug: str
    method: str  # hashrate.models.Method value
    method_label: str  # how charts name the method
    granularity: str  # hashrate.models.Granularity value
    country: str  # ISO alpha-2
    observations: tuple[ShareObservation, ...] = field(default_factory=tuple)  # the whole series, in period order

    @property
    def first(self) -> datetime.date | None:
        return self.observations[0].period_start if self.observations else None

    @property
    def last(self) -> datetime.date | None:
        return self.observations[-1].period_start if self.observations else None

    def between(self, start: datetime.date, stop: datetime.date) -> list[ShareObservation]:
        return [point for point in self.observations if start <= point.period_start < stop]


@dataclass(frozen=True)
class NetworkSeries:
    """One source's estimates of the whole network's hashrate, by day."""

    source: str
    slug: str
    observations: tuple[tuple[datetime.date, float], ...]  # (day, EH/s), in day order


@dataclass(frozen=True)
class Mark:
    """A dated milestone to annotate."""

    date: datetime.date
    title: str
    detail: str = ""
    source: str = ""


@dataclass(frozen=True)
class PortCustody:
    code: str
    name: str
    units: int
    value_usd: Decimal
    hashrate_ths: Decimal


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    shipments: int


@dataclass(frozen=True)
class DaysCount:
    """How many shipments have been (or were) in custody this many days; held: still in custody."""

    days: int
    held: bool
    shipments: int
