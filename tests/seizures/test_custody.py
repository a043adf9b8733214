"""The custody arithmetic on its own: no database, exact figures."""

import datetime
from decimal import Decimal

import pytest

from seizures.custody import CustodyError, EventSpec, LineSpec, replay
from seizures.models import EventKind, ShipmentStatus

D = datetime.date
ARRIVED = D(2024, 11, 20)
TODAY = D(2026, 11, 23)
S21 = LineSpec(id=1, label="Antminer S21", units=100, unit_value_usd=Decimal("3000"), hashrate_ths=Decimal("200"))
M60 = LineSpec(id=2, label="Whatsminer M60S", units=50, unit_value_usd=Decimal("2500"), hashrate_ths=Decimal("186"))


def run(*events, lines=(S21, M60)):
    return replay(list(lines), list(events), arrived_on=ARRIVED, today=TODAY)


def ev(kind, day, line=None, units=None):
    return EventSpec(kind=kind, occurred_on=day, line_id=line, units=units)


def test_no_events_leaves_the_shipment_recorded():
    state = run()
    assert state.status == ShipmentStatus.RECORDED
    assert state.total("in_custody") == 0


def test_seizure_takes_detained_units_first_then_brings_new_ones_into_custody():
    state = run(
        ev(EventKind.DETAINED, D(2024, 11, 25), line=1, units=30),
        ev(EventKind.SEIZED, D(2024, 12, 5), line=1, units=50),
    )
    line = state.lines[1]
    assert (line.detained, line.in_custody, line.seized) == (50, 50, 50)
    assert state.status == ShipmentStatus.SEIZED


def test_release_takes_unseized_units_before_seized_ones():
    state = run(
        ev(EventKind.DETAINED, D(2024, 11, 25), line=1),
        ev(EventKind.SEIZED, D(2024, 12, 5), line=1, units=40),
        ev(EventKind.RELEASED, D(2025, 3, 5), line=1, units=70),
    )
    line = state.lines[1]
    assert (line.in_custody, line.seized, line.released) == (30, 30, 70)
    assert state.status == ShipmentStatus.PARTIALLY_RELEASED


def test_value_and_hashrate_in_custody_follow_the_units_held():
    state = run(ev(EventKind.DETAINED, D(2024, 11, 25)), ev(EventKind.RELEASED, D(2025, 3, 5), line=2, units=10))
    assert state.value_in_custody_usd == Decimal(100 * 3000 + 40 * 2500)
    assert state.hashrate_in_custody_ths == Decimal(100 * 200 + 40 * 186)


@pytest.mark.parametrize(
    ("final_kind", "status"),
    [
        (EventKind.RELEASED, ShipmentStatus.RELEASED),
        (EventKind.EXPORTED, ShipmentStatus.EXPORTED),
        (EventKind.ABANDONED, ShipmentStatus.CLOSED),
    ],
)
def test_custody_ending_one_way_gives_that_status(final_kind, status):
    state = run(ev(EventKind.DETAINED, D(2024, 11, 25)), ev(final_kind, D(2025, 4, 1)))
    assert state.status == status
    assert state.custody_ended_on == D(2025, 4, 1)


def test_forfeiture_of_every_seized_unit_gives_forfeited():
    state = run(ev(EventKind.SEIZED, D(2024, 11, 25)), ev(EventKind.FORFEITED, D(2025, 6, 1)))
    assert state.status == ShipmentStatus.FORFEITED
    assert state.total("forfeited") == 150
    assert state.first_detained_on == D(2024, 11, 25)


def test_custody_ending_in_mixed_ways_gives_closed():
    state = run(
        ev(EventKind.SEIZED, D(2024, 11, 25)),
        ev(EventKind.FORFEITED, D(2025, 6, 1), line=1),
        ev(EventKind.RELEASED, D(2025, 6, 1), line=2),
    )
    assert state.status == ShipmentStatus.CLOSED


def test_events_apply_in_date_order_whatever_order_they_were_entered():
    state = run(ev(EventKind.RELEASED, D(2025, 3, 5), line=1, units=10), ev(EventKind.DETAINED, D(2024, 11, 25)))
    assert state.lines[1].released == 10


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([ev(EventKind.DETAINED, D(2024, 11, 19))], "before the shipment arrived on 2024-11-20"),
        ([ev(EventKind.DETAINED, D(2026, 11, 24))], "in the future"),
        (
            [ev(EventKind.DETAINED, D(2024, 11, 25), line=1, units=101)],
            "detaining 101 units of Antminer S21, but only 100",
        ),
        ([ev(EventKind.RELEASED, D(2024, 11, 25), line=1, units=1)], "releasing 1 unit of Antminer S21, but only 0"),
        ([ev(EventKind.EXPORTED, D(2024, 11, 25), line=1, units=1)], "exporting 1 unit"),
        ([ev(EventKind.SEIZURE_NOTICE, D(2024, 11, 25))], "needs the shipment to be in custody first"),
        (
            [ev(EventKind.DETAINED, D(2024, 11, 25)), ev(EventKind.SEIZURE_NOTICE, D(2024, 12, 1), units=3)],
            "moves no units",
        ),
        ([ev(EventKind.RELEASED, D(2024, 11, 25))], "nothing to move"),
        ([ev(EventKind.DETAINED, D(2024, 11, 25), units=5)], "name the model the units move on"),
        ([ev(EventKind.DETAINED, D(2024, 11, 25), line=9)], "not on this shipment"),
        (
            [
                ev(EventKind.DETAINED, D(2024, 11, 25)),
                ev(EventKind.RELEASED, D(2025, 3, 5)),
                ev(EventKind.PETITION_FILED, D(2025, 3, 6)),
            ],
            "closed on 2025-03-05",
        ),
    ],
)
def test_refused_events_name_the_rule_and_numbers(events, message):
    with pytest.raises(CustodyError, match=message.replace("(", r"\(")):
        run(*events)


def test_single_line_shipment_takes_units_without_naming_the_line():
    state = run(ev(EventKind.DETAINED, D(2024, 11, 25), units=7), lines=(S21,))
    assert state.lines[1].in_custody == 7
