"""What was in custody at each month's end: running sums over the monthly custody changes (pure).

The changes come grouped by month, manufacturer and port (seizures.selectors.custody_changes_by_month), so every
manufacturer or port slice of every chart is a sum over a few hundred rows, without another query.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from dashboard.charts.inputs import CustodyMonth, PortCustody

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class MonthlyChange:
    """Units, value and hashrate entering (+) or leaving (−) custody in one month, for one manufacturer and port."""

    month: datetime.date
    manufacturer: str
    port: str  # port code
    units: int
    value_usd: Decimal
    hashrate_ths: Decimal


def _matches(change: MonthlyChange, manufacturer: str, port: str) -> bool:
    return (not manufacturer or change.manufacturer == manufacturer) and (not port or change.port == port)


def custody_by_month(
    changes: list[MonthlyChange], months: list[datetime.date], *, manufacturer: str = "", port: str = ""
) -> list[CustodyMonth]:
    """The units, value and hashrate held at the end of each of the months (changes before the first included)."""
    by_month: dict[datetime.date, list] = defaultdict(lambda: [0, ZERO, ZERO])
    for change in changes:
        if _matches(change, manufacturer, port):
            totals = by_month[change.month]
            totals[0] += change.units
            totals[1] += change.value_usd
            totals[2] += change.hashrate_ths
    held = [0, ZERO, ZERO]
    pending = sorted(by_month.items())
    result = []
    for month in months:
        while pending and pending[0][0] <= month:
            _, totals = pending.pop(0)
            held = [held[0] + totals[0], held[1] + totals[1], held[2] + totals[2]]
        result.append(CustodyMonth(month, held[0], held[1], held[2]))
    return result


def custody_by_manufacturer(
    changes: list[MonthlyChange], months: list[datetime.date], *, manufacturer: str = "", port: str = ""
) -> dict[str, list[CustodyMonth]]:
    """custody_by_month for each manufacturer with machines in the changes, in name order."""
    names = sorted({change.manufacturer for change in changes if _matches(change, manufacturer, port)})
    return {name: custody_by_month(changes, months, manufacturer=name, port=port) for name in names}


def custody_by_port(
    changes: list[MonthlyChange], month: datetime.date, ports: dict[str, str], *, manufacturer: str = "", port: str = ""
) -> list[PortCustody]:
    """What each port held at the end of the month; ports: code → name."""
    held: dict[str, list] = defaultdict(lambda: [0, ZERO, ZERO])
    for change in changes:
        if change.month <= month and _matches(change, manufacturer, port):
            totals = held[change.port]
            totals[0] += change.units
            totals[1] += change.value_usd
            totals[2] += change.hashrate_ths
    return [
        PortCustody(code, ports.get(code, code), units, value, hashrate)
        for code, (units, value, hashrate) in sorted(held.items())
    ]
