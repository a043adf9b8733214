"""Which deadlines a shipment's events give under the rules. Pure functions over plain data, no database.

A rule's clock starts on the arrival, on each day an event of its start kind happened, or on the due date of
another rule's deadline that passed unmet (a deemed exclusion starts the protest clock). The first event on or
after the start that the rule names decides: a satisfying one meets the deadline (met on time, missed after the
due date), a lapsing one ends it (no longer applies, or missed if it came after the due date). With neither, a
deadline of a shipment whose custody has ended no longer applies (or was missed if custody ended after the due
date); otherwise it is open. Whether an open deadline is overdue depends on the day
it is read, so that is decided when it is read, not stored: no nightly job has to flip it.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from seizures.deadlines.business_days import add_days
from seizures.models import DayCount, DeadlineStart, DeadlineStatus


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: int
    starts_with: str
    offset_days: int
    business_days: bool = False
    extends_to_business_day: bool = False
    after_rule_id: int | None = None
    only_if: str = ""
    satisfied_by: frozenset[str] = frozenset()
    lapses_with: frozenset[str] = frozenset()
    ends_with_custody: bool = True

    @classmethod
    def from_rule(cls, rule) -> "RuleSpec":
        return cls(
            id=rule.pk,
            starts_with=rule.starts_with,
            offset_days=rule.offset_days,
            business_days=rule.day_count == DayCount.BUSINESS,
            extends_to_business_day=rule.extends_to_business_day,
            after_rule_id=rule.after_rule_id,
            only_if=rule.only_if,
            satisfied_by=frozenset(rule.satisfied_by),
            lapses_with=frozenset(rule.lapses_with),
            ends_with_custody=rule.ends_with_custody,
        )


@dataclass(frozen=True, slots=True)
class EventFact:
    id: int
    kind: str
    occurred_on: datetime.date


@dataclass(frozen=True, slots=True)
class DeadlineFact:
    rule_id: int
    starts_on: datetime.date
    due_on: datetime.date
    status: str = DeadlineStatus.OPEN
    start_event_id: int | None = None
    closed_on: datetime.date | None = None
    closed_by_id: int | None = None

    @property
    def key(self) -> tuple[int, datetime.date]:
        return self.rule_id, self.starts_on


def in_force(rules: Iterable[RuleSpec]) -> list[RuleSpec]:
    """The rules that can start a clock, each after the rule it follows.

    Give only active rules. Left out: a chained rule whose predecessor is left out, and any rule in a cycle of
    chained rules.
    """
    by_id = {rule.id: rule for rule in rules}
    ordered: list[RuleSpec] = []
    placed: set[int] = set()

    def place(rule: RuleSpec, chain: frozenset[int]) -> bool:
        if rule.id in placed:
            return True
        if rule.after_rule_id is not None:
            before = by_id.get(rule.after_rule_id)
            if before is None or rule.id in chain or not place(before, chain | {rule.id}):
                return False
        ordered.append(rule)
        placed.add(rule.id)
        return True

    for rule in sorted(by_id.values(), key=lambda rule: rule.id):
        place(rule, frozenset())
    return ordered


def _starts(
    rule: RuleSpec, arrived_on: datetime.date, events: list[EventFact], earlier: dict[int, list[DeadlineFact]]
) -> list[tuple[datetime.date, int | None]]:
    if rule.starts_with == DeadlineStart.ARRIVAL:
        return [(arrived_on, None)]
    if rule.starts_with == DeadlineStart.RULE_MISSED:
        return [
            (deadline.due_on, None)
            for deadline in earlier.get(rule.after_rule_id, [])
            if deadline.status in (DeadlineStatus.OPEN, DeadlineStatus.MISSED)
        ]
    starts: dict[datetime.date, int] = {}
    for event in events:
        if event.kind == rule.starts_with:
            starts.setdefault(event.occurred_on, event.id)  # one clock a day: several notices on a day are one
    return list(starts.items())


def _deadline(
    rule: RuleSpec,
    starts_on: datetime.date,
    start_event_id: int | None,
    events: list[EventFact],
    custody_ended_on: datetime.date | None,
) -> DeadlineFact:
    due_on = add_days(
        starts_on,
        rule.offset_days,
        business=rule.business_days,
        extend_to_business_day=rule.extends_to_business_day,
    )
    opened = DeadlineFact(rule_id=rule.id, starts_on=starts_on, due_on=due_on, start_event_id=start_event_id)
    for event in events:
        if event.occurred_on < starts_on:
            continue
        on_time = event.occurred_on <= due_on
        if event.kind in rule.satisfied_by:
            status = DeadlineStatus.MET if on_time else DeadlineStatus.MISSED
            return _closed(opened, status, event.occurred_on, event.id)
        if event.kind in rule.lapses_with:
            status = DeadlineStatus.LAPSED if on_time else DeadlineStatus.MISSED
            return _closed(opened, status, event.occurred_on, event.id)
    if rule.ends_with_custody and custody_ended_on is not None:
        closed_on = max(custody_ended_on, starts_on)
        return _closed(opened, DeadlineStatus.LAPSED if closed_on <= due_on else DeadlineStatus.MISSED, closed_on)
    return opened


def _closed(deadline: DeadlineFact, status: str, closed_on: datetime.date, by: int | None = None) -> DeadlineFact:
    return DeadlineFact(
        rule_id=deadline.rule_id,
        starts_on=deadline.starts_on,
        due_on=deadline.due_on,
        status=status,
        start_event_id=deadline.start_event_id,
        closed_on=closed_on,
        closed_by_id=by,
    )


def evaluate(
    rules: list[RuleSpec],
    *,
    arrived_on: datetime.date,
    custody_ended_on: datetime.date | None,
    events: list[EventFact],
) -> list[DeadlineFact]:
    """A shipment's deadlines. rules: in_force() order; events: the active ones (voids and voided left out)."""
    events = sorted(events, key=lambda event: (event.occurred_on, event.id))
    kinds = {event.kind for event in events}
    by_rule: dict[int, list[DeadlineFact]] = {}
    for rule in rules:
        if rule.only_if and rule.only_if not in kinds:
            by_rule[rule.id] = []
            continue
        by_rule[rule.id] = [
            _deadline(rule, starts_on, start_event_id, events, custody_ended_on)
            for starts_on, start_event_id in _starts(rule, arrived_on, events, by_rule)
        ]
    return [deadline for deadlines in by_rule.values() for deadline in deadlines]


def next_due(deadlines: Iterable[DeadlineFact]) -> datetime.date | None:
    """The due date of the earliest open deadline: what the ledger shows as the shipment's next deadline."""
    return min((deadline.due_on for deadline in deadlines if deadline.status == DeadlineStatus.OPEN), default=None)
