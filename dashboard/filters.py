"""The filters every chart shares, in the query string: a span of months (start, end), a manufacturer (name), a
port (code) and the share source (slug; empty draws every source, each as its own series).

An invalid parameter is dropped with an error on the form, so the rest still apply and nothing raises.
"""

import datetime
import functools
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from django import forms

from dashboard.charts.inputs import month_start
from hashrate.models import Source
from seizures.models import Manufacturer, Port

# The seizure period, what executives look at: the first reported holds were in November 2024 (FACTS.md).
SEIZURE_PERIOD_START = datetime.date(2024, 11, 1)
EARLIEST_MONTH = datetime.date(2009, 1, 1)


@dataclass(frozen=True)
class Filters:
    start: datetime.date  # first day of the first month
    end: datetime.date  # first day of the last month
    manufacturer: str = ""
    port: str = ""
    share_source: str = ""

    @classmethod
    def default(cls, today: datetime.date) -> "Filters":
        return cls(start=SEIZURE_PERIOD_START, end=month_start(today))

    def is_default(self, today: datetime.date) -> bool:
        return self == Filters.default(today)

    def text(self, port_names: dict[str, str]) -> str:
        """The manufacturer and port in words ("Bitmain · 2809 San Francisco"); empty for the whole ledger."""
        port = f"{self.port} {port_names.get(self.port, '')}".strip() if self.port else ""
        return " · ".join(part for part in (self.manufacturer, port) if part)

    @property
    def key(self) -> str:
        """A canonical query string: the same filters always give the same key, whatever order they came in."""
        return urlencode(
            {
                "start": f"{self.start:%Y-%m}",
                "end": f"{self.end:%Y-%m}",
                **{
                    field.name: getattr(self, field.name)
                    for field in fields(self)
                    if field.name not in ("start", "end")
                },
            }
        )


class MonthField(forms.DateField):
    """A month, as the browser's month picker sends it (2025-03); a full date is read as its month."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return month_start(day) if day else None


def _manufacturer_choices():
    return [("", "Any"), *((name, name) for name in Manufacturer.objects.values_list("name", flat=True))]


def _port_choices():
    return [("", "Any"), *((code, f"{code} {name}") for code, name in Port.objects.values_list("code", "name"))]


def _share_source_choices():
    sources = Source.objects.filter(shares__isnull=False).distinct().order_by("name").values_list("slug", "name")
    return [("", "Every source"), *sources]


class DashboardFilterForm(forms.Form):
    start = MonthField(label="From", required=False)
    end = MonthField(label="To", required=False)
    manufacturer = forms.ChoiceField(label="Manufacturer", choices=_manufacturer_choices, required=False)
    port = forms.ChoiceField(label="Port", choices=_port_choices, required=False)
    share_source = forms.ChoiceField(label="Share source", choices=_share_source_choices, required=False)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # Read each list once per form, and only when it is validated or drawn (a JSON request without filters
        # never touches them).
        for name, choices in (
            ("manufacturer", _manufacturer_choices),
            ("port", _port_choices),
            ("share_source", _share_source_choices),
        ):
            self.fields[name].choices = functools.cache(choices)
        default = Filters.default(today)
        self.initial = {"start": default.start, "end": default.end, **self.initial}
        self.fields["end"].widget.attrs["max"] = f"{today:%Y-%m}"
        self.fields["start"].widget.attrs["max"] = f"{today:%Y-%m}"

    def _clean_month(self, name: str):
        month = self.cleaned_data.get(name)
        if month is None:
            return None
        if month < EARLIEST_MONTH:
            raise forms.ValidationError(f"Pick a month from {EARLIEST_MONTH:%Y-%m} on.")
        if month > month_start(self.today):
            raise forms.ValidationError(f"Pick a month up to {self.today:%Y-%m}.")
        return month

    def clean_start(self):
        return self._clean_month("start")

    def clean_end(self):
        return self._clean_month("end")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "“To” comes before “From”.")
            cleaned.pop("end", None)
        return cleaned

    def filters(self) -> Filters:
        """The valid parameters over the defaults (call after is_valid())."""
        default = Filters.default(self.today)
        data = getattr(self, "cleaned_data", {})
        start = data.get("start") or default.start
        end = data.get("end") or default.end
        if start > end:  # only one of them given, and it lies beyond the other's default
            start, end = (start, start) if "start" in self.data else (end, end)
        return Filters(
            start=start,
            end=end,
            manufacturer=data.get("manufacturer") or "",
            port=data.get("port") or "",
            share_source=data.get("share_source") or "",
        )


def filters_from(query, today: datetime.date) -> tuple[Filters, DashboardFilterForm]:
    form = DashboardFilterForm(query or None, today=today)
    form.is_valid()
    return form.filters(), form
