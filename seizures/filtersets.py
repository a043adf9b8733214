"""The ledger's filters: exactly the query parameters of DESIGN.md, shared by the list and its CSV export.

Invalid parameters are dropped with an error on the form (django-filter filters on cleaned_data only), so the
rest of the filters still apply and nothing raises.
"""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce, Now, TruncDate

from seizures.deadlines.filtersets import MAX_DAYS, DaysFilter, due_within
from seizures.models import (
    SOPHGO,
    Importer,
    Manufacturer,
    MinerModel,
    Port,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from seizures.selectors import shipment_search

Q_MAX_LENGTH = 100
_VALUE_FIELD = Shipment._meta.get_field("value_in_custody_usd")
VALUE_MAX_DIGITS, VALUE_DECIMAL_PLACES = _VALUE_FIELD.max_digits, _VALUE_FIELD.decimal_places

# Ordering parameter → the column(s) it sorts by; each shown column can be sorted.
ORDERING_FIELDS = {
    "entry_number": "entry number",
    "importer": "importer",
    "port": "port",
    "first_detained_on": "first detained",
    "units_detained": "units detained",
    "units_in_custody": "units in custody",
    "units_released": "units released",
    "value_in_custody_usd": "value in custody",
    "hashrate_in_custody_ths": "hashrate in custody",
    "status": "status",
    "days_in_custody": "days in custody",
    "next_deadline_on": "next deadline",
}
_ORDER_BY = {
    "importer": "importer__name",
    "port": "port__code",
}


def _lines_where(**conditions):
    return Exists(ShipmentLine.objects.filter(shipment=OuterRef("pk"), **conditions))


def _manufacturer_choices():
    return [(name, name) for name in Manufacturer.objects.values_list("name", flat=True)]


def _model_choices():
    return [(name, name) for name in MinerModel.objects.values_list("name", flat=True)]


def _port_choices():
    return [(code, f"{code} {name}") for code, name in Port.objects.values_list("code", "name")]


class LedgerOrderingFilter(django_filters.OrderingFilter):
    """Sorts by one shown column, then by id so pages never overlap."""

    def filter(self, qs, value):
        if not value:
            return qs
        name = value[0]
        descending = name.startswith("-")
        field = name.lstrip("-")
        if field == "days_in_custody":
            qs = qs.annotate(days_key=Coalesce("custody_ended_on", TruncDate(Now())) - F("first_detained_on"))
            field = "days_key"
        expression = F(_ORDER_BY.get(field, field))
        expression = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        return qs.order_by(expression, "-id" if descending else "id")


class ShipmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        max_length=Q_MAX_LENGTH,
        help_text="Entry number, importer, CBP reference or bill of lading",
    )
    # Plain choices (not model choices): reference tables are small, and the list page renders them on every hit.
    manufacturer = django_filters.ChoiceFilter(
        choices=_manufacturer_choices, method="filter_manufacturer", label="Manufacturer", empty_label="Any"
    )
    model = django_filters.ChoiceFilter(choices=_model_choices, method="filter_model", label="Model", empty_label="Any")
    port = django_filters.ChoiceFilter(choices=_port_choices, field_name="port__code", label="Port", empty_label="Any")
    importer = django_filters.ModelChoiceFilter(
        queryset=Importer.objects.all(),
        to_field_name="name",
        label="Importer",
        widget=forms.TextInput(attrs={"placeholder": "exact importer name"}),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ShipmentStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Status",
        distinct=False,  # status is a column of the shipment: no join, so no DISTINCT over a million rows
    )
    detained_after = django_filters.DateFilter(
        field_name="first_detained_on",
        lookup_expr="gte",
        label="Detained on or after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    detained_before = django_filters.DateFilter(
        field_name="first_detained_on",
        lookup_expr="lte",
        label="Detained on or before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # As many digits as the column holds: PostgreSQL cannot even compare with 1e-999999999 ("value overflows").
    value_min = django_filters.NumberFilter(
        field_name="value_in_custody_usd",
        lookup_expr="gte",
        label="Value in custody from (USD)",
        min_value=0,
        max_digits=VALUE_MAX_DIGITS,
        decimal_places=VALUE_DECIMAL_PLACES,
    )
    value_max = django_filters.NumberFilter(
        field_name="value_in_custody_usd",
        lookup_expr="lte",
        label="to (USD)",
        min_value=0,
        max_digits=VALUE_MAX_DIGITS,
        decimal_places=VALUE_DECIMAL_PLACES,
    )
    sophgo = django_filters.ChoiceFilter(
        choices=[("yes", "With Sophgo chips"), ("no", "Without Sophgo chips")],
        method="filter_sophgo",
        label="Sophgo chips",
        empty_label="Any",
    )
    due_within = DaysFilter(
        method="filter_due_within",
        label="Next deadline within (days)",
        min_value=0,
        max_value=MAX_DAYS,
        help_text="Overdue deadlines included.",
    )
    ordering = LedgerOrderingFilter(fields=[(name, name) for name in ORDERING_FIELDS], label="Sort by")

    class Meta:
        model = Shipment
        fields = [
            "q",
            "manufacturer",
            "model",
            "port",
            "importer",
            "status",
            "detained_after",
            "detained_before",
            "value_min",
            "value_max",
            "sophgo",
            "due_within",
            "ordering",
        ]

    def search(self, queryset, name, value):
        return shipment_search(queryset, value)

    def filter_manufacturer(self, queryset, name, value):
        return queryset.filter(_lines_where(miner_model__manufacturer__name=value))

    def filter_model(self, queryset, name, value):
        return queryset.filter(_lines_where(miner_model__name=value))

    def filter_due_within(self, queryset, name, value):
        return due_within(queryset, value, field="next_deadline_on")

    def filter_sophgo(self, queryset, name, value):
        has_sophgo = _lines_where(miner_model__chip_vendor=SOPHGO)
        return queryset.filter(has_sophgo if value == "yes" else ~has_sophgo)


def default_ordering(queryset):
    """The list's order when none is asked for: most recent detention first (never-detained last)."""
    return queryset.order_by(F("first_detained_on").desc(nulls_last=True), "-id")
