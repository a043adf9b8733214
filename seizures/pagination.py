"""Pagination that stays fast at a million shipments: counts come from the totals query or the planner's
estimate, and a bad page number says so."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class KnownCountPaginator(Paginator):
    """A paginator told its count (already computed with the totals) instead of running count(*) again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self):
        return self._known_count


def page_or_notice(paginator: Paginator, raw_number):
    """The asked-for page, or the nearest real one with a sentence saying why it is shown instead."""
    if raw_number in (None, ""):
        return paginator.page(1), ""
    try:
        return paginator.page(raw_number), ""
    except PageNotAnInteger:
        return paginator.page(1), f"“{raw_number[:20]}” is not a page number; showing page 1."
    except EmptyPage:
        number = 1 if str(raw_number).lstrip().startswith("-") or int(raw_number) < 1 else paginator.num_pages
        return paginator.page(number), (
            f"There is no page {int(raw_number):,} (pages 1 to {paginator.num_pages:,}); showing page {number:,}."
        )


# Below this many rows an exact count is cheap, and a planner estimate of a small table can be far off.
EXACT_COUNT_BELOW = 10_000


def planner_row_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's row estimate for the queryset's table, or None when it does not stand for the queryset.

    Only an unfiltered queryset on PostgreSQL qualifies: pg_class.reltuples is kept by autovacuum/ANALYZE and
    reads in microseconds, where count(*) of a million-row table scans it on every page.
    """
    query = queryset.query
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or query.where or query.is_sliced or query.distinct:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
        )
        row = cursor.fetchone()
    # reltuples is -1 until the table is first analysed.
    return row[0] if row and row[0] >= 0 else None


class EstimatedCountPaginator(Paginator):
    """Counts exactly, except an unfiltered large table on PostgreSQL, where the planner's estimate stands in."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            estimate = planner_row_estimate(self.object_list)
            if estimate is not None and estimate >= EXACT_COUNT_BELOW:
                return estimate
        return super().count
