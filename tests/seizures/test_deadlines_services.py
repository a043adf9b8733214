"""seizures/deadlines/services.py with the seeded rules: each rule started and met by the right events, derived in
the event's own transaction, reopened by a void, and the shipment's next deadline date kept beside them."""

import datetime

import pytest

from seizures import services
from seizures.deadlines.services import shipment_deadlines_derive
from seizures.errors import LedgerError
from seizures.models import Deadline, DeadlineRule, DeadlineStatus, EventKind, Port, Shipment
from tests.factories import ImporterFactory, make_shipment

pytestmark = pytest.mark.django_db

D = datetime.date
OPEN, MET, MISSED, LAPSED = (DeadlineStatus.OPEN, DeadlineStatus.MET, DeadlineStatus.MISSED, DeadlineStatus.LAPSED)
# The Wednesday before Thanksgiving 2025: the detention decision is due on Thursday 4 December.
ARRIVED = D(2025, 11, 26)


def record(shipment, kind, day, **kwargs):
    return services.shipment_record_event(shipment=shipment, kind=kind, occurred_on=day, **kwargs)


def deadlines(shipment) -> dict[str, list[tuple]]:
    """{rule code: [(starts_on, due_on, status, closed_on, kind of the closing event)]}"""
    found: dict[str, list[tuple]] = {}
    for deadline in Deadline.objects.filter(shipment=shipment).select_related("rule", "closed_by").order_by("due_on"):
        closer = deadline.closed_by.kind if deadline.closed_by else None
        found.setdefault(deadline.rule.code, []).append(
            (deadline.starts_on, deadline.due_on, deadline.status, deadline.closed_on, closer)
        )
    return found


@pytest.fixture
def shipment():
    return make_shipment(lines=[("Antminer S21", 100, "3000")], arrived_on=ARRIVED)


def test_seeded_rules_are_marked_verify_with_counsel_and_cite_the_law():
    rules = {rule.code: rule for rule in DeadlineRule.objects.all()}
    assert set(rules) == {
        "detention-decision",
        "deemed-exclusion",
        "deemed-exclusion-protest",
        "petition-for-relief",
        "forfeiture-claim",
    }
    assert all(rule.verify_with_counsel for rule in rules.values())
    assert rules["detention-decision"].citation.startswith("19 USC 1499(c)")
    assert rules["deemed-exclusion"].citation == "19 USC 1499(c)(5)"
    assert rules["deemed-exclusion-protest"].citation == "19 USC 1514(c)(3)"
    assert rules["deemed-exclusion-protest"].after_rule == rules["deemed-exclusion"]
    assert rules["petition-for-relief"].citation == "19 CFR 171.2"
    assert rules["forfeiture-claim"].citation == "19 USC 1608"
    assert rules["forfeiture-claim"].satisfied_by == ["claim_filed"]
    assert rules["deemed-exclusion-protest"].satisfied_by == ["protest_filed"]


def test_arrival_starts_the_detention_decision_clock_in_business_days(shipment):
    assert deadlines(shipment) == {"detention-decision": [(ARRIVED, D(2025, 12, 4), OPEN, None, None)]}
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on == D(2025, 12, 4)


@pytest.mark.parametrize("kind", [EventKind.DETAINED, EventKind.SEIZED])
def test_detention_decision_is_met_by_a_detention_or_seizure_on_time(shipment, kind):
    record(shipment, kind, D(2025, 12, 4))
    assert deadlines(shipment)["detention-decision"] == [(ARRIVED, D(2025, 12, 4), MET, D(2025, 12, 4), kind)]


def test_detention_decision_after_five_business_days_is_missed(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 12, 5))
    assert deadlines(shipment)["detention-decision"] == [
        (ARRIVED, D(2025, 12, 4), MISSED, D(2025, 12, 5), EventKind.DETAINED)
    ]


def test_detention_decision_is_met_by_a_release(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 26))
    record(shipment, EventKind.RELEASED, D(2025, 11, 28))
    # The detention itself met it first.
    assert deadlines(shipment)["detention-decision"][0][2:] == (MET, D(2025, 11, 26), EventKind.DETAINED)
    satisfied_by = DeadlineRule.objects.get(code="detention-decision").satisfied_by
    assert set(satisfied_by) == {EventKind.DETAINED, EventKind.SEIZED, EventKind.RELEASED}


def test_deemed_exclusion_applies_only_once_detained_and_starts_a_protest_clock(shipment):
    assert "deemed-exclusion" not in deadlines(shipment)
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    found = deadlines(shipment)
    assert found["deemed-exclusion"] == [(ARRIVED, D(2025, 12, 26), OPEN, None, None)]
    # Still detained 30 days after presentation: the protest clock runs 180 days from the deemed exclusion.
    assert found["deemed-exclusion-protest"] == [(D(2025, 12, 26), D(2026, 6, 24), OPEN, None, None)]


@pytest.mark.parametrize("kind", [EventKind.RELEASED, EventKind.SEIZED])
def test_deemed_exclusion_is_met_by_a_release_or_seizure_within_30_days(shipment, kind):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    record(shipment, kind, D(2025, 12, 26))
    found = deadlines(shipment)
    assert found["deemed-exclusion"] == [(ARRIVED, D(2025, 12, 26), MET, D(2025, 12, 26), kind)]
    assert "deemed-exclusion-protest" not in found


def test_a_seizure_after_the_deemed_exclusion_ends_the_protest(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    seizure = record(shipment, EventKind.SEIZED, D(2026, 1, 10))
    found = deadlines(shipment)
    assert found["deemed-exclusion"] == [(ARRIVED, D(2025, 12, 26), MISSED, D(2026, 1, 10), EventKind.SEIZED)]
    assert found["deemed-exclusion-protest"] == [
        (D(2025, 12, 26), D(2026, 6, 24), LAPSED, D(2026, 1, 10), EventKind.SEIZED)
    ]
    services.event_void(event=seizure, reason="entered on the wrong shipment")
    assert deadlines(shipment)["deemed-exclusion-protest"] == [(D(2025, 12, 26), D(2026, 6, 24), OPEN, None, None)]


def test_protest_stays_open_while_the_goods_are_still_detained(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    record(shipment, EventKind.SEIZURE_NOTICE, D(2026, 1, 10))  # a step in the case that ends nothing
    assert deadlines(shipment)["deemed-exclusion-protest"] == [(D(2025, 12, 26), D(2026, 6, 24), OPEN, None, None)]


def test_protest_no_longer_applies_once_custody_ends(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    record(shipment, EventKind.RELEASED, D(2026, 2, 2))
    found = deadlines(shipment)
    assert found["deemed-exclusion"][0][2:] == (MISSED, D(2026, 2, 2), EventKind.RELEASED)
    assert found["deemed-exclusion-protest"] == [(D(2025, 12, 26), D(2026, 6, 24), LAPSED, D(2026, 2, 2), None)]


def test_notice_of_seizure_starts_the_petition_clock_met_by_a_petition(shipment):
    record(shipment, EventKind.SEIZED, D(2025, 11, 28))
    record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 12, 15), reference="2026-2809-000123")
    assert deadlines(shipment)["petition-for-relief"] == [(D(2025, 12, 15), D(2026, 1, 14), OPEN, None, None)]
    record(shipment, EventKind.PETITION_FILED, D(2026, 1, 14))
    assert deadlines(shipment)["petition-for-relief"] == [
        (D(2025, 12, 15), D(2026, 1, 14), MET, D(2026, 1, 14), EventKind.PETITION_FILED)
    ]


def test_petition_filed_late_is_recorded_as_missed(shipment):
    record(shipment, EventKind.SEIZED, D(2025, 11, 28))
    record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 12, 15))
    record(shipment, EventKind.PETITION_FILED, D(2026, 1, 15))
    assert deadlines(shipment)["petition-for-relief"][0][2:] == (MISSED, D(2026, 1, 15), EventKind.PETITION_FILED)


def test_each_notice_of_seizure_starts_its_own_petition_clock(shipment):
    record(shipment, EventKind.SEIZED, D(2025, 11, 28))
    record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 12, 1))
    record(shipment, EventKind.PETITION_FILED, D(2025, 12, 10))
    record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 12, 20))  # a second notice, after the petition
    assert [row[2] for row in deadlines(shipment)["petition-for-relief"]] == [MET, OPEN]


def test_voiding_the_petition_reopens_the_deadline(shipment):
    record(shipment, EventKind.SEIZED, D(2025, 11, 28))
    record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 12, 15))
    petition = record(shipment, EventKind.PETITION_FILED, D(2026, 1, 2))
    assert deadlines(shipment)["petition-for-relief"][0][2] == MET
    services.event_void(event=petition, reason="filed under the wrong entry")
    assert deadlines(shipment)["petition-for-relief"] == [(D(2025, 12, 15), D(2026, 1, 14), OPEN, None, None)]
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on == D(2026, 1, 14)


def test_voiding_the_notice_removes_its_deadline(shipment):
    record(shipment, EventKind.SEIZED, D(2025, 11, 28))
    notice = record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 12, 15))
    services.event_void(event=notice, reason="no notice was sent")
    assert "petition-for-relief" not in deadlines(shipment)
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on is None


def test_the_forfeiture_notice_starts_the_claim_clock_met_by_a_claim(shipment):
    record(shipment, EventKind.SEIZED, D(2025, 11, 28))
    record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 12, 1))
    record(shipment, EventKind.FORFEITURE_NOTICE, D(2026, 1, 9))
    assert deadlines(shipment)["forfeiture-claim"] == [(D(2026, 1, 9), D(2026, 1, 29), OPEN, None, None)]
    record(shipment, EventKind.CLAIM_FILED, D(2026, 1, 29))
    assert deadlines(shipment)["forfeiture-claim"] == [
        (D(2026, 1, 9), D(2026, 1, 29), MET, D(2026, 1, 29), EventKind.CLAIM_FILED)
    ]


def test_no_claim_before_the_forfeiture_is_a_missed_claim_deadline(shipment):
    record(shipment, EventKind.SEIZED, D(2025, 11, 28))
    record(shipment, EventKind.FORFEITURE_NOTICE, D(2026, 1, 9))
    record(shipment, EventKind.FORFEITED, D(2026, 3, 1))
    assert deadlines(shipment)["forfeiture-claim"] == [(D(2026, 1, 9), D(2026, 1, 29), MISSED, D(2026, 3, 1), None)]


def test_a_protest_filed_in_time_meets_the_deemed_exclusion_protest(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    protest = record(shipment, EventKind.PROTEST_FILED, D(2026, 2, 2))
    assert deadlines(shipment)["deemed-exclusion-protest"] == [
        (D(2025, 12, 26), D(2026, 6, 24), MET, D(2026, 2, 2), EventKind.PROTEST_FILED)
    ]
    services.event_void(event=protest, reason="filed for another entry")
    assert deadlines(shipment)["deemed-exclusion-protest"] == [(D(2025, 12, 26), D(2026, 6, 24), OPEN, None, None)]


def test_the_new_steps_move_no_units(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    for kind in (EventKind.PROTEST_FILED, EventKind.FORFEITURE_NOTICE, EventKind.CLAIM_FILED):
        with pytest.raises(LedgerError, match="moves no units"):
            record(shipment, kind, D(2026, 1, 5), line=shipment.lines.get(), units=3)
    assert Shipment.objects.get(pk=shipment.pk).units_in_custody == 100


def test_an_inactive_rule_gives_no_deadlines(shipment):
    DeadlineRule.objects.filter(code="detention-decision").update(is_active=False)
    shipment_deadlines_derive(shipment=shipment)
    assert deadlines(shipment) == {}
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on is None


def test_next_deadline_is_the_earliest_open_one(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    # Detention decision met; deemed exclusion due 2025-12-26; protest due 2026-06-24.
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on == D(2025, 12, 26)
    record(shipment, EventKind.RELEASED, D(2025, 12, 1))
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on is None


def test_a_refused_event_leaves_the_deadlines_as_they_were(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    before = deadlines(shipment)
    with pytest.raises(LedgerError):
        record(shipment, EventKind.RELEASED, D(2025, 12, 1), units=500)
    assert deadlines(shipment) == before


def test_deadlines_follow_an_arrival_date_corrected_before_any_event(shipment):
    Shipment.objects.filter(pk=shipment.pk).update(arrived_on=D(2025, 11, 20))
    services.shipment_recompute(shipment=Shipment.objects.get(pk=shipment.pk))
    assert deadlines(shipment)["detention-decision"] == [(D(2025, 11, 20), D(2025, 11, 28), OPEN, None, None)]


def test_deadlines_follow_a_corrected_importer_and_port(shipment):
    other = ImporterFactory(name="Corrected Importer LLC")
    Shipment.objects.filter(pk=shipment.pk).update(importer=other, port=Port.objects.get(code="3801"))
    services.shipment_recompute(shipment=Shipment.objects.get(pk=shipment.pk))
    deadline = Deadline.objects.get(shipment=shipment)
    assert (deadline.importer, deadline.port.code) == (other, "3801")


def test_next_deadline_follows_a_deadline_whose_due_date_moves(shipment):
    record(shipment, EventKind.DETAINED, D(2025, 11, 28))
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on == D(2025, 12, 26)
    DeadlineRule.objects.filter(code="deemed-exclusion").update(offset_days=20)
    shipment_deadlines_derive(shipment=Shipment.objects.get(pk=shipment.pk))
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on == D(2025, 12, 16)


def _next_from_rows(shipment):
    return min(Deadline.objects.filter(shipment=shipment, status=OPEN).values_list("due_on", flat=True), default=None)


@pytest.mark.parametrize(
    "steps",
    [
        [(EventKind.DETAINED, D(2025, 11, 28)), (EventKind.EXPORTED, D(2025, 12, 2))],
        [(EventKind.DETAINED, D(2025, 11, 26)), (EventKind.RELEASED, D(2025, 11, 27))],
        [(EventKind.SEIZED, D(2025, 11, 28)), (EventKind.SEIZURE_NOTICE, D(2025, 12, 1)), (EventKind.ABANDONED, None)],
        [(EventKind.DETAINED, D(2025, 12, 5)), (EventKind.SEIZED, D(2026, 2, 1)), (EventKind.FORFEITED, None)],
    ],
)
def test_the_stored_next_deadline_is_always_the_earliest_open_one(shipment, steps):
    for kind, day in steps:
        record(shipment, kind, day or D(2026, 3, 1))
        assert Shipment.objects.get(pk=shipment.pk).next_deadline_on == _next_from_rows(shipment), kind
    assert Shipment.objects.get(pk=shipment.pk).next_deadline_on is None  # custody over: nothing left open
