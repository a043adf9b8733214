"""Filters of the dataset browser and its export: source, countries, period range, and a `q` on country names."""

import django_filters
from django import forms
from django.db.models import Q

from hashrate.models import Country, CountryShare, Source
from hashrate.sources.base import parse_period


def _period_start(value: str):
    try:
        return parse_period(value).start
    except ValueError:
        raise forms.ValidationError("Write a period as YYYY-MM, YYYY-Qn or YYYY-MM-DD.") from None


class PeriodField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value).strip()
        return _period_start(value) if value else None


class PeriodFilter(django_filters.Filter):
    field_class = PeriodField


class CountryShareFilterSet(django_filters.FilterSet):
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.filter(shares__isnull=False).distinct().order_by("name"),
        to_field_name="slug",
        empty_label=None,
    )
    country = django_filters.ModelMultipleChoiceFilter(
        queryset=Country.objects.all(), to_field_name="code", label="Countries"
    )
    start = PeriodFilter(field_name="period_start", lookup_expr="gte", label="From (YYYY-MM or YYYY-Qn)")
    end = PeriodFilter(field_name="period_start", lookup_expr="lte", label="To (YYYY-MM or YYYY-Qn)")
    q = django_filters.CharFilter(method="search", label="Country name or code")

    class Meta:
        model = CountryShare
        fields = ["source", "country", "start", "end", "q"]

    def __init__(self, *args, source: Source | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if source is not None:
            # Only the countries this source has figures for are worth offering.
            self.filters["country"].queryset = Country.objects.filter(shares__source=source).distinct()
            self.form.fields["country"].queryset = self.filters["country"].queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(country__code__iexact=value) | Q(country__name__icontains=value))
