"""The open deadlines as an iCalendar feed (RFC 5545, built with `icalendar`) that calendar apps subscribe to.

One all-day entry per deadline on its due date. Its UID is derived from the shipment, rule and start date, not the
row id, so a recompute that replaces a row updates the entry in place instead of duplicating it. The feed holds
deadlines due from CALENDAR_PAST_DAYS ago on, at most CALENDAR_MAX_EVENTS of them, soonest first: a calendar app
is no place for a backlog of years (that is /deadlines/), and a feed of a million rows would never load.

Building 2,000 entries takes about half a second, and every subscriber's app polls: the feed is cached under the
ledger's generation, the day and the filters (it is the same for everyone who may see deadlines).
"""

import datetime
import hashlib

import icalendar
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from seizures.deadlines.display import start_label
from seizures.selectors import TOTALS_TIMEOUT_S, ledger_generation

CALENDAR_PAST_DAYS = 90
CALENDAR_MAX_EVENTS = 2000
ONE_DAY = datetime.timedelta(days=1)


def calendar_deadlines(deadlines, *, today: datetime.date):
    return deadlines.filter(due_on__gte=today - datetime.timedelta(days=CALENDAR_PAST_DAYS))[:CALENDAR_MAX_EVENTS]


def _entry(deadline, *, today: datetime.date, base_url: str, stamp: datetime.datetime) -> icalendar.Event:
    shipment, rule = deadline.shipment, deadline.rule
    overdue = deadline.due_on < today
    link = base_url.rstrip("/") + reverse("seizures:shipment_detail", args=[shipment.entry_number])
    lines = [
        f"{rule.name} ({rule.citation}) for entry {shipment.entry_number}.",
        f"Importer: {shipment.importer.name}. Port: {shipment.port.code} {shipment.port.name}.",
        f"Clock started: {start_label(deadline)}.",
    ]
    if overdue:
        lines.insert(0, f"OVERDUE since {deadline.due_on:%Y-%m-%d}.")
    if rule.verify_with_counsel:
        lines.append("Rule not yet confirmed: verify with counsel.")
    lines.append(link)
    entry = icalendar.Event()
    entry.add("uid", deadline.calendar_uid)
    entry.add("dtstamp", stamp)
    entry.add("dtstart", deadline.due_on)
    entry.add("dtend", deadline.due_on + ONE_DAY)
    entry.add("summary", f"{'OVERDUE: ' if overdue else ''}{rule.name} due: {shipment.entry_number}")
    entry.add("description", "\n".join(lines))
    entry.add("url", link)
    entry.add("transp", "TRANSPARENT")
    return entry


def calendar_ics(deadlines, *, today: datetime.date, base_url: str) -> bytes:
    """The feed's bytes for the (filtered) open deadlines."""
    feed = icalendar.Calendar()
    feed.add("prodid", "-//Hashport//Legal deadlines//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", "Hashport deadlines")
    feed.add("x-published-ttl", "PT1H")
    stamp = timezone.now().replace(microsecond=0)
    for deadline in calendar_deadlines(deadlines, today=today):
        feed.add_component(_entry(deadline, today=today, base_url=base_url, stamp=stamp))
    return feed.to_ical()


def cached_calendar_ics(deadlines, *, today: datetime.date, base_url: str) -> bytes:
    sql, params = deadlines.query.sql_with_params()
    digest = hashlib.sha256(f"{sql}|{params!r}|{base_url}".encode()).hexdigest()[:32]
    key = f"seizures:deadline-calendar:{ledger_generation()}:{today:%Y%m%d}:{digest}"
    body = cache.get(key)
    if body is None:
        body = calendar_ics(deadlines, today=today, base_url=base_url)
        cache.set(key, body, timeout=TOTALS_TIMEOUT_S)
    return body
