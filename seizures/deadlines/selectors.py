"""Reads of deadlines that more than one place needs: /deadlines/, its export, the calendar feed, the digest, the
shipment page, and the dashboard's overdue count (to come).

Open deadlines are read through one partial index (status open, by due date). Counts over all of them are cached
under the ledger's generation, which every event write and every recompute chunk bumps, and under the day, since
"overdue" moves with the date.
"""

import datetime
import hashlib

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from seizures.models import Deadline, DeadlineRule, Shipment
from seizures.selectors import TOTALS_TIMEOUT_S, ledger_generation

SOON_DAYS = 7


def open_deadlines(*, today: datetime.date | None = None):
    """Open deadlines whose clock has started, soonest (so most overdue) first, with what their rows show."""
    today = today or timezone.localdate()
    return (
        Deadline.objects.open()
        .started(today)
        .select_related("rule__after_rule", "shipment__importer", "shipment__port")
        .order_by("due_on", "id")
    )


def deadline_counts(deadlines, *, today: datetime.date | None = None) -> dict[str, int]:
    """How many of the (filtered) open deadlines there are, are overdue, and fall due within SOON_DAYS, cached."""
    today = today or timezone.localdate()
    sql, params = deadlines.order_by().query.sql_with_params()
    digest = hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()[:32]
    key = f"seizures:deadline-counts:{ledger_generation()}:{today:%Y%m%d}:{digest}"
    counts = cache.get(key)
    if counts is None:
        soon = today + datetime.timedelta(days=SOON_DAYS)
        counts = deadlines.order_by().aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon)),
        )
        cache.set(key, counts, timeout=TOTALS_TIMEOUT_S)
    return counts


def overdue_deadline_count(*, today: datetime.date | None = None) -> int:
    """Open deadlines past their due date, across the ledger: the dashboard's "overdue" KPI."""
    return deadline_counts(open_deadlines(today=today), today=today)["overdue"]


def shipment_deadlines(shipment: Shipment) -> list[Deadline]:
    """Every deadline of one shipment, open, met (with the event that met it), missed or lapsed, by due date."""
    return list(
        shipment.deadlines.select_related("rule__after_rule", "closed_by", "start_event").order_by(
            "due_on", "rule__name"
        )
    )


def rule_choices() -> list[tuple[str, str]]:
    return list(DeadlineRule.objects.order_by("name").values_list("code", "name"))
