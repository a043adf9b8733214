"""Admin changelists that refuse a filter they cannot run the way Django refuses any bad lookup: back to the list
with "?e=1", never a 500.

Django checks the query string's lookups while it builds the queryset, so three kinds of value slip past it and fail
only when the query is compiled or run:
- a NUL character, which PostgreSQL cannot compare text with (Django ticket #30064);
- a year out of range, from the date hierarchy (?day__year=9999, ticket #37357, fixed after Django 6.1) or a
  `__year` lookup with twenty digits;
- a value the field cannot prepare (a GenericIPAddressField given text).
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet


class CheckedChangeList(ChangeList):
    """Django's ChangeList, but a lookup the database cannot run is an IncorrectLookupParameters (the ?e=1 list)."""

    def get_filters(self, request):
        if any("\x00" in value for values in self.get_filters_params().values() for value in values):
            raise IncorrectLookupParameters("a filter value contains a NUL character")
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        try:
            queryset.query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            pass  # a filter that matches nothing, e.g. an id out of range: an empty list, which is right
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset


class CheckedChangeListMixin:
    """For every ModelAdmin of the project: its changelist refuses what it cannot run (see CheckedChangeList)."""

    def get_changelist(self, request, **kwargs):
        return CheckedChangeList


def check_every_changelist(site) -> None:
    """Give the admin classes other apps register (auth's users and groups, django-axes' login records) the same
    checked changelist as ours, without re-registering them."""
    for model_admin in site._registry.values():
        if not isinstance(model_admin, CheckedChangeListMixin):
            model_admin.get_changelist = lambda request, **kwargs: CheckedChangeList
