"""Filters of /deadlines/ and its export and calendar feed: importer, port, rule, due within N days."""

import datetime

import django_filters
from django import forms
from django.utils import timezone

from seizures.deadlines.selectors import rule_choices
from seizures.models import Deadline, Importer, Port

MAX_DAYS = 3_660


def _port_choices():
    return [(code, f"{code} {name}") for code, name in Port.objects.values_list("code", "name")]


class DaysFilter(django_filters.NumberFilter):
    """A whole number of days (NumberFilter alone would take 1.5)."""

    field_class = forms.IntegerField


def due_within(queryset, days: int, *, field: str = "due_on"):
    """Due on or before today + days: overdue ones included, they are due already."""
    return queryset.filter(**{f"{field}__lte": timezone.localdate() + datetime.timedelta(days=days)})


class DeadlineFilterSet(django_filters.FilterSet):
    importer = django_filters.ModelChoiceFilter(
        queryset=Importer.objects.all(),
        field_name="importer",
        to_field_name="name",
        label="Importer",
        widget=forms.TextInput(attrs={"placeholder": "exact importer name"}),
    )
    port = django_filters.ChoiceFilter(choices=_port_choices, method="filter_port", label="Port", empty_label="Any")
    rule = django_filters.ChoiceFilter(
        choices=rule_choices, field_name="rule__code", label="Deadline", empty_label="Any"
    )
    due_within = DaysFilter(
        method="filter_due_within",
        label="Due within (days)",
        min_value=0,
        max_value=MAX_DAYS,
        help_text="Overdue deadlines included.",
    )

    class Meta:
        model = Deadline
        fields = ["importer", "port", "rule", "due_within"]

    def filter_port(self, queryset, name, value):
        # By id through a one-row subquery, so PostgreSQL walks the (port, due date) index rather than joining ports.
        return queryset.filter(port_id=Port.objects.filter(code=value).values("pk")[:1])

    def filter_due_within(self, queryset, name, value):
        return due_within(queryset, value)
