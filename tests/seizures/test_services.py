import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from seizures import services
from seizures.errors import LedgerError
from seizures.models import EventKind, Shipment, ShipmentEvent, ShipmentLine, ShipmentStatus
from tests.factories import make_shipment

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def two_line_shipment():
    return make_shipment(lines=[("Antminer S21", 100, "3000.00"), ("Whatsminer M60S", 50, "2500.00")])


def line_of(shipment, model_name) -> ShipmentLine:
    return shipment.lines.get(miner_model__name=model_name)


def test_new_shipment_is_recorded_with_nothing_in_custody(two_line_shipment):
    shipment = Shipment.objects.get(pk=two_line_shipment.pk)
    assert shipment.status == ShipmentStatus.RECORDED
    assert shipment.units_total == 150
    assert shipment.units_in_custody == 0
    assert shipment.days_in_custody is None


def test_detention_of_every_line_puts_all_units_and_value_in_custody(two_line_shipment):
    services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    shipment = Shipment.objects.get(pk=two_line_shipment.pk)
    assert shipment.status == ShipmentStatus.DETAINED
    assert shipment.units_in_custody == 150
    assert shipment.value_in_custody_usd == Decimal("425000.00")  # 100 × 3000 + 50 × 2500
    assert shipment.hashrate_in_custody_ths == Decimal("29300.00")  # 100 × 200 + 50 × 186
    assert shipment.first_detained_on == D(2024, 11, 25)


def test_partial_release_then_whole_release_closes_the_shipment(two_line_shipment):
    s21, m60 = line_of(two_line_shipment, "Antminer S21"), line_of(two_line_shipment, "Whatsminer M60S")
    services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    services.shipment_release(shipment=two_line_shipment, units_by_line={s21: 40}, occurred_on=D(2025, 3, 5))
    shipment = Shipment.objects.get(pk=two_line_shipment.pk)
    assert shipment.status == ShipmentStatus.PARTIALLY_RELEASED
    assert (shipment.units_in_custody, shipment.units_released) == (110, 40)
    assert shipment.value_in_custody_usd == Decimal("305000.00")
    services.shipment_release(shipment=shipment, units_by_line={s21: 60, m60: 50}, occurred_on=D(2025, 3, 10))
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RELEASED
    assert shipment.custody_ended_on == D(2025, 3, 10)
    assert shipment.days_in_custody == (D(2025, 3, 10) - D(2024, 11, 25)).days


def test_release_more_than_in_custody_is_refused_and_writes_nothing(two_line_shipment):
    s21 = line_of(two_line_shipment, "Antminer S21")
    services.shipment_record_event(
        shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25), line=s21, units=30
    )
    with pytest.raises(LedgerError, match="releasing 31 units of Antminer S21, but only 30 are in custody"):
        services.shipment_release(shipment=two_line_shipment, units_by_line={s21: 31}, occurred_on=D(2025, 3, 5))
    assert ShipmentEvent.objects.filter(kind=EventKind.RELEASED).count() == 0
    assert Shipment.objects.get(pk=two_line_shipment.pk).units_in_custody == 30


def test_event_before_arrival_is_refused(two_line_shipment):
    with pytest.raises(LedgerError, match="before the shipment arrived on 2024-11-20"):
        services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 1))
    assert not ShipmentEvent.objects.exists()


def test_event_after_the_shipment_closed_is_refused(two_line_shipment):
    services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.RELEASED, occurred_on=D(2025, 3, 5))
    with pytest.raises(LedgerError, match="closed on 2025-03-05"):
        services.shipment_record_event(
            shipment=two_line_shipment, kind=EventKind.PETITION_FILED, occurred_on=D(2025, 3, 6)
        )


def test_units_without_a_line_on_a_multi_line_shipment_are_refused(two_line_shipment):
    with pytest.raises(LedgerError, match="name the model the units move on"):
        services.shipment_record_event(
            shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25), units=5
        )


def test_forfeiture_needs_seized_units(two_line_shipment):
    s21 = line_of(two_line_shipment, "Antminer S21")
    services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    with pytest.raises(LedgerError, match="forfeiting 10 units of Antminer S21, but only 0 are seized"):
        services.shipment_record_event(
            shipment=two_line_shipment, kind=EventKind.FORFEITED, occurred_on=D(2025, 1, 5), line=s21, units=10
        )
    services.shipment_record_event(
        shipment=two_line_shipment, kind=EventKind.SEIZED, occurred_on=D(2024, 12, 20), line=s21, units=60
    )
    services.shipment_record_event(
        shipment=two_line_shipment, kind=EventKind.FORFEITED, occurred_on=D(2025, 2, 5), line=s21, units=60
    )
    shipment = Shipment.objects.get(pk=two_line_shipment.pk)
    assert (shipment.units_in_custody, shipment.units_forfeited, shipment.status) == (90, 60, ShipmentStatus.DETAINED)


def test_void_cancels_an_event_and_derives_the_figures_again(two_line_shipment):
    detained = services.shipment_record_event(
        shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25)
    )
    services.event_void(event=detained, reason="entered on the wrong shipment")
    shipment = Shipment.objects.get(pk=two_line_shipment.pk)
    assert shipment.status == ShipmentStatus.RECORDED
    assert shipment.units_in_custody == 0
    assert detained.voided_by.note == "entered on the wrong shipment"
    assert ShipmentEvent.objects.count() == 2  # nothing deleted


def test_void_that_would_leave_a_release_without_custody_is_refused(two_line_shipment):
    detained = services.shipment_record_event(
        shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25)
    )
    services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.RELEASED, occurred_on=D(2025, 3, 5))
    with pytest.raises(LedgerError, match="cannot void"):
        services.event_void(event=detained, reason="mistake")


def test_events_cannot_be_edited_or_deleted(two_line_shipment):
    event = services.shipment_record_event(
        shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25)
    )
    event.note = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_database_refuses_more_out_of_custody_than_detained(two_line_shipment):
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.filter(shipment=two_line_shipment).update(units_released=5)


def test_every_ledger_write_announces_the_change_after_commit(two_line_shipment, django_capture_on_commit_callbacks):
    from seizures.signals import ledger_changed

    received = []

    def receiver(sender, **kwargs):
        received.append(sender)

    ledger_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.shipment_record_event(
                shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25)
            )
            assert received == []  # nothing before the commit
    finally:
        ledger_changed.disconnect(receiver)
    assert received == [Shipment]


def test_shipment_history_records_edits_but_not_derived_figures(two_line_shipment):
    services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    assert two_line_shipment.history.count() == 1  # the creation; custody updates are not edits
    shipment = Shipment.objects.get(pk=two_line_shipment.pk)
    shipment.bill_of_lading = "MAEU123456789"
    shipment.save()
    assert shipment.history.count() == 2
    assert shipment.history.first().bill_of_lading == "MAEU123456789"


def test_custody_changes_add_up_to_what_is_in_custody_on_any_day(two_line_shipment):
    from django.db.models import Sum

    from seizures.models import CustodyChange

    s21 = line_of(two_line_shipment, "Antminer S21")
    services.shipment_record_event(shipment=two_line_shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    services.shipment_release(shipment=two_line_shipment, units_by_line={s21: 40}, occurred_on=D(2025, 3, 5))
    released_rest = services.shipment_record_event(
        shipment=two_line_shipment, kind=EventKind.RELEASED, occurred_on=D(2025, 4, 1)
    )

    def held_on(day):
        changes = CustodyChange.objects.filter(shipment=two_line_shipment, day__lte=day)
        return changes.aggregate(units=Sum("units"), value=Sum("value_usd"), ths=Sum("hashrate_ths"))

    assert held_on(D(2024, 11, 24)) == {"units": None, "value": None, "ths": None}
    assert held_on(D(2024, 11, 25)) == {"units": 150, "value": Decimal("425000.00"), "ths": Decimal("29300.00")}
    assert held_on(D(2025, 3, 5)) == {"units": 110, "value": Decimal("305000.00"), "ths": Decimal("21300.00")}
    assert held_on(D(2025, 4, 1))["units"] == 0

    services.event_void(event=released_rest, reason="release not yet granted")
    assert held_on(D(2026, 1, 1))["units"] == 110  # rewritten from the remaining events
