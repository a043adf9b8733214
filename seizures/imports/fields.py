"""Parsing one CSV value: each parser returns the value or raises FieldError with a reason a person can act on."""

import datetime
import difflib
import re
from decimal import Decimal

from seizures.errors import LedgerError

# ASCII digits only: \d alone also matches other scripts' digits (١٢٣), which int() and Decimal() accept.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_MONEY = re.compile(r"^\d+(\.\d+)?$", re.ASCII)
_WHOLE = re.compile(r"^[+-]?\d+$", re.ASCII)
MONEY_MAX_INTEGER_DIGITS = 10  # DecimalField(max_digits=12, decimal_places=2)
UNITS_MAX = 2_147_483_647  # PositiveIntegerField: PostgreSQL's integer
# A file repeats few distinct dates among many rows, so each is parsed once.
_PARSED_DATES: dict[str, datetime.date] = {}


class FieldError(LedgerError):
    """A value that cannot be read; the message says what is expected."""


def collapse(value: str) -> str:
    """One space between words: names typed by hand often carry doubled or trailing spaces."""
    return " ".join(value.split())


def required(value: str) -> str:
    if not value:
        raise FieldError("required, but empty")
    return value


def parse_date(value: str) -> datetime.date:
    """An ISO 8601 calendar date (YYYY-MM-DD)."""
    try:
        return _PARSED_DATES[value]
    except KeyError:
        pass
    required(value)
    if not _ISO_DATE.match(value):
        raise FieldError(f"{value!r} is not a date: use ISO 8601, YYYY-MM-DD (e.g. 2024-11-25)")
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError as error:
        raise FieldError(f"{value!r} is not a date: {error}") from None
    _PARSED_DATES[value] = parsed
    return parsed


def parse_units(value: str) -> int:
    """A positive whole number of machines."""
    required(value)
    if not _WHOLE.match(value):
        raise FieldError(f"{value!r} is not a whole number of units")
    if len(value.lstrip("+-").lstrip("0")) > len(str(UNITS_MAX)):
        # Out of range whatever its sign; and int() refuses a string of thousands of digits.
        raise FieldError(f"{value[:30]!r} is not a number of units the ledger can hold (1 to {UNITS_MAX:,})")
    units = int(value)
    if units <= 0:
        raise FieldError(f"units must be a positive whole number, not {units}")
    if units > UNITS_MAX:
        raise FieldError(f"{units:,} units are more than the ledger can hold (at most {UNITS_MAX:,})")
    return units


def parse_money(value: str) -> Decimal:
    """USD with a dot for decimals, at most 2 places, no sign, currency symbol or thousands separators."""
    required(value)
    if value.startswith("-") and _MONEY.match(value[1:]):
        raise FieldError(f"{value!r} is negative; a declared value cannot be below 0")
    if not _MONEY.match(value):
        raise FieldError(
            f"{value!r} is not an amount in USD: digits with a dot for decimals, "
            "no currency sign or thousands separator (e.g. 3250.50)"
        )
    whole, _, decimals = value.partition(".")
    if len(decimals) > 2:
        raise FieldError(f"{value!r} has {len(decimals)} decimal places; use at most 2 (cents)")
    if len(whole.lstrip("0")) > MONEY_MAX_INTEGER_DIGITS:
        raise FieldError(f"{value!r} is too large for a unit value")
    return Decimal(value).quantize(Decimal("0.01"))


def closest(value: str, known: list[str]) -> str | None:
    """The known name nearest to value, ignoring case."""
    by_folded = {name.casefold(): name for name in known}
    matches = difflib.get_close_matches(value.casefold(), list(by_folded), n=1, cutoff=0.5)
    return by_folded[matches[0]] if matches else None


def unknown(what: str, value: str, known: list[str], *, hint: str = "") -> FieldError:
    """An error for a name that matches nothing, pointing at the closest known one."""
    suggestion = closest(value, known)
    if suggestion:
        return FieldError(f"unknown {what} {value!r}; the closest known is {suggestion!r}{hint}")
    return FieldError(f"unknown {what} {value!r}; no known {what} is close{hint}")
