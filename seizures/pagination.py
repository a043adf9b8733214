"""Pagination for the ledger: the count comes from the totals query, and a bad page number says so."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
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
