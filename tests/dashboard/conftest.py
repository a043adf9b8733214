"""A small ledger built through the services, whose every dashboard figure can be worked out by hand.

- S1 at San Francisco (2809): 100 Antminer S21 at $3,000 and 10 Avalon A1466 at $1,000, detained 2024-11-25;
  30 S21 released 2025-03-05.
- S2 at Detroit (3801): 20 Avalon A1466 at $1,200, detained 2025-01-10, released whole 2025-02-20.
- S3 at San Francisco: 8 S21 at $3,000, never held.
"""

import datetime

import pytest

from seizures import services
from seizures.models import EventKind, Port
from tests.factories import ImporterFactory, make_shipment

D = datetime.date


@pytest.fixture(autouse=True)
def _tasks_in_process(monkeypatch):
    """Render tasks run in-process as under `make run`, whatever REDIS_URL says: no test here leaves a render
    queued on a shared broker. (test_tasks.py runs a worker on an app of its own.)"""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def ledger(reference_data):
    sf, detroit = Port.objects.get(code="2809"), Port.objects.get(code="3801")
    s1 = make_shipment(
        entry_number="AAA-0000001-1",
        importer=ImporterFactory(name="Alpha Mining LLC"),
        port=sf,
        lines=[("Antminer S21", 100, "3000"), ("Avalon A1466", 10, "1000")],
    )
    services.shipment_record_event(shipment=s1, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    services.shipment_release(
        shipment=s1, units_by_line={s1.lines.get(miner_model__name="Antminer S21"): 30}, occurred_on=D(2025, 3, 5)
    )
    s2 = make_shipment(
        entry_number="BBB-0000002-2", port=detroit, arrived_on=D(2025, 1, 5), lines=[("Avalon A1466", 20, "1200")]
    )
    services.shipment_record_event(shipment=s2, kind=EventKind.DETAINED, occurred_on=D(2025, 1, 10))
    services.shipment_record_event(shipment=s2, kind=EventKind.RELEASED, occurred_on=D(2025, 2, 20))
    make_shipment(entry_number="CCC-0000003-3", port=sf, lines=[("Antminer S21", 8, "3000")])
    return {"s1": s1, "s2": s2}
