"""How a deadline reads to a person: what started its clock and where it stands today. Shared by the pages, the
export, the calendar feed and the digest, so they all say the same thing."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from seizures.deadlines.selectors import shipment_deadlines
from seizures.models import Deadline, DeadlineStart, DeadlineStatus, EventKind


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count:,} days"


def start_label(deadline: Deadline) -> str:
    """What started the clock, e.g. "Notice of seizure on 2025-02-03"."""
    rule = deadline.rule
    when = f"{deadline.starts_on:%Y-%m-%d}"
    if rule.starts_with == DeadlineStart.ARRIVAL:
        return f"Arrival on {when}"
    if rule.starts_with == DeadlineStart.RULE_MISSED:
        return f"{rule.after_rule.name} deadline passed unmet on {when}"
    return f"{DeadlineStart(rule.starts_with).label} on {when}"


@dataclass(frozen=True)
class State:
    key: str  # due, overdue, pending, met, missed, lapsed: the CSS class and the export's state column
    text: str


def state(deadline: Deadline, today: datetime.date) -> State:
    due = deadline.due_on
    if deadline.status == DeadlineStatus.OPEN:
        if deadline.starts_on > today:
            return State("pending", f"Starts {deadline.starts_on:%Y-%m-%d} if the earlier deadline passes unmet")
        if due < today:
            return State("overdue", f"Overdue by {_days((today - due).days)}")
        if due == today:
            return State("due", "Due today")
        return State("due", f"Due in {_days((due - today).days)}")
    closed = f"{deadline.closed_on:%Y-%m-%d}"
    event = deadline.closed_by
    what = f"{EventKind(event.kind).label.lower()}" if event is not None else ""
    if event is not None and event.reference:
        what += f" ({event.reference})"
    if deadline.status == DeadlineStatus.MET:
        return State("met", f"Met on {closed}: {what}")
    ended_it = event is not None and event.kind in deadline.rule.lapses_with
    if deadline.status == DeadlineStatus.MISSED:
        if event is None:
            return State("missed", f"Missed: custody ended on {closed} without it")
        if ended_it:
            return State("missed", f"Missed: due {due:%Y-%m-%d}, before the {what} on {closed}")
        return State("missed", f"Missed: {what} only on {closed}")
    if ended_it:
        return State("lapsed", f"No longer applies: {what} on {closed}")
    return State("lapsed", f"No longer applies: custody ended on {closed}")


def shipment_deadline_rows(shipment, today: datetime.date | None = None) -> list[dict]:
    """The shipment page's deadlines section: each deadline with its rule, start and state, by due date."""
    today = today or timezone.localdate()
    rows = []
    for deadline in shipment_deadlines(shipment):
        rows.append(
            {
                "rule": deadline.rule,
                "started": start_label(deadline),
                "due_on": deadline.due_on,
                "state": state(deadline, today),
            }
        )
    return rows
