"""What every parser shares: the rows it returns, the error it raises, periods, numbers, and payload sniffing.

A parser is a module with `parse(payload: bytes, context: ParseContext) -> Parsed`, `KIND` ("shares" or "network")
and `CONTENT_TYPES` (what a fetch may answer with). It raises PayloadRefused listing every problem it found;
hashrate/validation.py then checks the rows as a whole.
"""

import csv
import datetime
import io
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from hashrate.models import Granularity, period_label

SHARES = "shares"
NETWORK = "network"
CSV_CONTENT_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")
JSON_CONTENT_TYPES = ("application/json", "text/json", "text/plain")
SHARE_PLACES = Decimal("0.0001")
EHS_PLACES = Decimal("0.0001")
ERRORS_KEPT = 20


class PayloadRefused(ValueError):
    """The payload is not what the source publishes, or its figures fail validation; nothing was written."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[:ERRORS_KEPT]
        more = len(self.problems) - len(shown)
        super().__init__("; ".join(shown) + (f"; … and {more} more" if more else ""))


@dataclass(frozen=True, order=True)
class Period:
    granularity: str
    start: datetime.date

    @property
    def label(self) -> str:
        return period_label(self.granularity, self.start)


@dataclass(frozen=True)
class ShareRow:
    period: Period
    country: str  # ISO alpha-2, or the bucket code
    share_pct: Decimal
    hashrate_ehs: Decimal | None = None
    is_derived: bool = False


@dataclass(frozen=True)
class NetworkRow:
    day: datetime.date
    hashrate_ehs: float


@dataclass
class Parsed:
    kind: str
    shares: list[ShareRow] = field(default_factory=list)
    network: list[NetworkRow] = field(default_factory=list)

    def __len__(self):
        return len(self.shares) + len(self.network)


@dataclass
class ParseContext:
    """What parsers look up: country names (casefolded) and pool slugs to ISO codes, and today's date."""

    country_by_name: dict[str, str]
    country_codes: set[str]
    country_by_pool: dict[str, str]
    today: datetime.date
    bucket: str = "ZZ"

    def country_for_name(self, name: str) -> str | None:
        return self.country_by_name.get(normalise_name(name))


def normalise_name(name: str) -> str:
    """CBECI marks some names with a trailing asterisk (“Germany *”); case and spacing never matter."""
    return " ".join(name.replace("*", " ").split()).casefold()


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


def parse_period(text: str) -> Period:
    """`YYYY-MM`, `YYYY-Qn`, or a date `YYYY-MM-DD` (a month when it is the first, as CBECI writes months)."""
    text = text.strip()
    if match := _MONTH.match(text):
        return Period(Granularity.MONTH, datetime.date(int(match[1]), int(match[2]), 1))
    if match := _QUARTER.match(text):
        return Period(Granularity.QUARTER, datetime.date(int(match[1]), 3 * int(match[2]) - 2, 1))
    return Period(Granularity.DAY, datetime.date.fromisoformat(text))


def parse_month_date(text: str) -> Period:
    """CBECI dates are the first of the month they stand for."""
    day = datetime.date.fromisoformat(text.strip())
    if day.day != 1:
        raise ValueError(f"{text!r} is not the first of a month")
    return Period(Granularity.MONTH, day)


def parse_decimal(text: str, places: Decimal, *, percent: bool = False) -> Decimal:
    text = text.strip()
    if percent:
        text = text.removesuffix("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value.quantize(places)


def finite_float(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return float(value)


def looks_like_html(payload: bytes) -> bool:
    head = payload[:512].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<?xml")) or b"<html" in head


def decode_text(payload: bytes) -> str:
    if not payload.strip():
        raise PayloadRefused("the payload is empty")
    if looks_like_html(payload):
        raise PayloadRefused("the payload is an HTML page, not data (an upstream error page?)")
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PayloadRefused(f"the payload is not UTF-8 text (byte {error.start})") from None


def read_csv(payload: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (as written) and the rows as (line number, dict); every row must have the header's width."""
    text = decode_text(payload)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise PayloadRefused("the payload is empty") from None
    except csv.Error as error:
        raise PayloadRefused(f"line 1: {error}") from None
    rows, problems = [], []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                problems.append(f"line {reader.line_num}: {len(values)} fields, the header has {len(header)}")
                continue
            rows.append((reader.line_num, dict(zip(header, values, strict=True))))
    except csv.Error as error:
        problems.append(f"line {reader.line_num}: {error}")
    if problems:
        raise PayloadRefused(problems)
    return header, rows


def read_json(payload: bytes):
    text = decode_text(payload)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PayloadRefused(f"the payload is not valid JSON (truncated?): {error.msg} at char {error.pos}") from None
