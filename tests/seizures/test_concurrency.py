"""Two real PostgreSQL connections release from the same shipment at once: only what is held can leave."""

import datetime
import threading

import pytest
from django.db import connection

from seizures import services
from seizures.errors import LedgerError
from seizures.models import EventKind, Shipment, ShipmentEvent
from tests.factories import make_shipment


@pytest.mark.django_db(transaction=True)
def test_concurrent_releases_never_exceed_units_in_custody(postgres, reference_data):
    shipment = make_shipment(lines=[("Antminer S21", 100, "3000")])
    services.shipment_record_event(shipment=shipment, kind=EventKind.DETAINED, occurred_on=datetime.date(2024, 11, 25))
    line = shipment.lines.get()
    barrier = threading.Barrier(2)
    outcomes = []

    def release():
        try:
            barrier.wait(timeout=10)
            services.shipment_release(
                shipment=shipment, units_by_line={line: 60}, occurred_on=datetime.date(2025, 3, 5)
            )
            outcomes.append("released")
        except LedgerError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=release) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=len)[0] == "released"
    assert "releasing 60 units of Antminer S21, but only 40 are in custody" in sorted(outcomes, key=len)[1]
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert (shipment.units_in_custody, shipment.units_released) == (40, 60)
    assert ShipmentEvent.objects.filter(kind=EventKind.RELEASED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_second_release_waits_for_the_first_lock(postgres, reference_data):
    """The row lock, not luck, serialises them: a release blocks while another transaction holds the shipment."""
    shipment = make_shipment(lines=[("Antminer S21", 10, "3000")])
    services.shipment_record_event(shipment=shipment, kind=EventKind.DETAINED, occurred_on=datetime.date(2024, 11, 25))
    line = shipment.lines.get()
    holding = threading.Event()
    finish = threading.Event()
    released_at = {}

    def hold_lock():
        from django.db import transaction

        with transaction.atomic():
            Shipment.objects.select_for_update().get(pk=shipment.pk)
            holding.set()
            finish.wait(timeout=10)
            released_at["lock"] = datetime.datetime.now(tz=datetime.UTC)
        connection.close()

    def release():
        holding.wait(timeout=10)
        services.shipment_release(shipment=shipment, units_by_line={line: 10}, occurred_on=datetime.date(2025, 3, 5))
        released_at["release"] = datetime.datetime.now(tz=datetime.UTC)
        connection.close()

    holder, releaser = threading.Thread(target=hold_lock), threading.Thread(target=release)
    holder.start()
    releaser.start()
    holding.wait(timeout=10)
    releaser.join(timeout=0.5)
    assert releaser.is_alive(), "the release went through while another transaction held the shipment row"
    finish.set()
    holder.join(timeout=10)
    releaser.join(timeout=10)
    assert released_at["release"] >= released_at["lock"]
    assert Shipment.objects.get(pk=shipment.pk).units_in_custody == 0
