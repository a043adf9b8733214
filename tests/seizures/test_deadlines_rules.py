"""seizures/deadlines/rules.py: rule order and evaluation on plain data, including the edges the seeds don't reach."""

import datetime

from seizures.deadlines.rules import EventFact, RuleSpec, evaluate, in_force, next_due
from seizures.models import DeadlineStatus

D = datetime.date


def test_chained_rules_come_after_the_rule_they_follow():
    follower = RuleSpec(id=1, starts_with="rule_missed", after_rule_id=2, offset_days=10)
    leader = RuleSpec(id=2, starts_with="arrival", offset_days=5)
    assert [rule.id for rule in in_force([follower, leader])] == [2, 1]


def test_rules_that_cannot_start_are_left_out():
    orphan = RuleSpec(id=2, starts_with="rule_missed", after_rule_id=99, offset_days=10)
    after_orphan = RuleSpec(id=3, starts_with="rule_missed", after_rule_id=2, offset_days=10)
    cycle = [
        RuleSpec(id=4, starts_with="rule_missed", after_rule_id=5, offset_days=1),
        RuleSpec(id=5, starts_with="rule_missed", after_rule_id=4, offset_days=1),
    ]
    assert in_force([orphan, after_orphan, *cycle]) == []


def test_a_chained_rule_comes_after_the_rule_it_follows():
    follower = RuleSpec(id=1, starts_with="rule_missed", after_rule_id=2, offset_days=180)
    leader = RuleSpec(id=2, starts_with="forfeiture_notice", offset_days=20)
    assert in_force([follower, leader]) == [leader, follower]


def test_a_chained_clock_exists_before_it_starts_while_the_earlier_deadline_is_open():
    leader = RuleSpec(id=1, starts_with="arrival", offset_days=30, satisfied_by=frozenset({"released"}))
    follower = RuleSpec(id=2, starts_with="rule_missed", after_rule_id=1, offset_days=180)
    facts = evaluate([leader, follower], arrived_on=D(2026, 11, 1), custody_ended_on=None, events=[])
    assert [(fact.rule_id, fact.starts_on, fact.due_on) for fact in facts] == [
        (1, D(2026, 11, 1), D(2026, 12, 1)),
        (2, D(2026, 12, 1), D(2027, 5, 30)),
    ]
    assert next_due(facts) == D(2026, 12, 1)


def test_events_before_the_clock_starts_do_not_meet_it():
    rule = RuleSpec(id=1, starts_with="seizure_notice", offset_days=30, satisfied_by=frozenset({"petition_filed"}))
    events = [EventFact(1, "petition_filed", D(2025, 1, 5)), EventFact(2, "seizure_notice", D(2025, 1, 10))]
    [fact] = evaluate([rule], arrived_on=D(2025, 1, 1), custody_ended_on=None, events=events)
    assert (fact.status, fact.start_event_id) == (DeadlineStatus.OPEN, 2)


def test_a_rule_may_outlive_custody():
    rule = RuleSpec(id=1, starts_with="released", offset_days=90, ends_with_custody=False)
    events = [EventFact(1, "detained", D(2025, 1, 2)), EventFact(2, "released", D(2025, 2, 1))]
    [fact] = evaluate([rule], arrived_on=D(2025, 1, 1), custody_ended_on=D(2025, 2, 1), events=events)
    assert (fact.status, fact.due_on) == (DeadlineStatus.OPEN, D(2025, 5, 2))


def test_custody_ending_after_the_due_date_counts_as_missed():
    rule = RuleSpec(id=1, starts_with="arrival", offset_days=5, satisfied_by=frozenset({"petition_filed"}))
    [fact] = evaluate([rule], arrived_on=D(2025, 1, 1), custody_ended_on=D(2025, 1, 20), events=[])
    assert (fact.status, fact.closed_on, fact.closed_by_id) == (DeadlineStatus.MISSED, D(2025, 1, 20), None)


def test_a_lapsing_event_ends_the_deadline_and_a_late_one_leaves_it_missed():
    rule = RuleSpec(id=1, starts_with="arrival", offset_days=10, lapses_with=frozenset({"seized"}))
    on_time = [EventFact(1, "seized", D(2025, 1, 5))]
    [fact] = evaluate([rule], arrived_on=D(2025, 1, 1), custody_ended_on=None, events=on_time)
    assert (fact.status, fact.closed_on, fact.closed_by_id) == (DeadlineStatus.LAPSED, D(2025, 1, 5), 1)
    late = [EventFact(2, "seized", D(2025, 1, 20))]
    [fact] = evaluate([rule], arrived_on=D(2025, 1, 1), custody_ended_on=None, events=late)
    assert (fact.status, fact.closed_by_id) == (DeadlineStatus.MISSED, 2)
