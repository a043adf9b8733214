"""Writes to the ledger. Each service is one transaction; the admin, imports, commands and tasks all call these.

Every event write locks the shipment row, replays the active events with the new ones (seizures/custody.py)
and stores the derived custody figures in the same transaction, so two concurrent releases can never take
out more than is held: the second waits for the first and is checked against what the first left.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from seizures import custody
from seizures.deadlines.services import shipment_deadlines_derive
from seizures.entry_numbers import normalise_entry_number
from seizures.errors import LedgerError
from seizures.models import (
    CustodyChange,
    EventKind,
    Importer,
    MinerModel,
    Port,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
)
from seizures.selectors import bump_ledger_generation
from seizures.signals import ledger_changed

LINE_DERIVED_FIELDS = [
    "units_detained",
    "units_in_custody",
    "units_seized",
    "units_released",
    "units_forfeited",
    "units_abandoned",
    "units_exported",
]


@dataclass(frozen=True)
class LineInput:
    miner_model: MinerModel
    units: int
    unit_value_usd: Decimal


@dataclass(frozen=True)
class EventInput:
    kind: str
    occurred_on: datetime.date
    line: ShipmentLine | None = None
    units: int | None = None
    reference: str = ""
    legal_basis: str = ""
    note: str = ""


def _announce_change() -> None:
    # Bumped now as well as on commit (by the signal's receiver): a reader that cached figures between this write
    # and its commit would otherwise keep them under the new generation.
    bump_ledger_generation()
    transaction.on_commit(lambda: ledger_changed.send(sender=Shipment))


def importer_get_or_create(*, name: str, is_demo: bool = False) -> Importer:
    name = " ".join(name.split())
    if not name:
        raise LedgerError("the importer's name is empty")
    importer, _ = Importer.objects.get_or_create(name=name, defaults={"is_demo": is_demo})
    return importer


@transaction.atomic
def shipment_create(
    *,
    entry_number: str,
    importer: Importer,
    port: Port,
    arrived_on: datetime.date,
    lines: Iterable[LineInput],
    bill_of_lading: str = "",
    notes: str = "",
    is_demo: bool = False,
) -> Shipment:
    """Create a shipment with its line items (no events yet: status "recorded")."""
    entry_number = normalise_entry_number(entry_number)
    lines = list(lines)
    if not lines:
        raise LedgerError(f"{entry_number}: a shipment needs at least one line item")
    if Shipment.objects.filter(entry_number=entry_number).exists():
        raise LedgerError(f"{entry_number}: a shipment with this entry number already exists")
    if arrived_on > timezone.localdate():
        raise LedgerError(f"{entry_number}: arrival date {arrived_on:%Y-%m-%d} is in the future")
    seen_models = set()
    for line in lines:
        if line.units <= 0:
            raise LedgerError(f"{entry_number}: {line.miner_model} has {line.units} units; units must be positive")
        if line.unit_value_usd < 0:
            raise LedgerError(f"{entry_number}: {line.miner_model} has a negative unit value")
        if line.miner_model.pk in seen_models:
            raise LedgerError(f"{entry_number}: {line.miner_model} appears on two lines; put its units on one line")
        seen_models.add(line.miner_model.pk)

    shipment = Shipment.objects.create(
        entry_number=entry_number,
        importer=importer,
        port=port,
        arrived_on=arrived_on,
        bill_of_lading=bill_of_lading.strip(),
        notes=notes.strip(),
        is_demo=is_demo,
        units_total=sum(line.units for line in lines),
    )
    for line in lines:
        ShipmentLine.objects.create(
            shipment=shipment, miner_model=line.miner_model, units=line.units, unit_value_usd=line.unit_value_usd
        )
    shipment_deadlines_derive(shipment=shipment)  # the arrival starts some clocks before any event
    _announce_change()
    return shipment


def _line_specs(lines: list[ShipmentLine]) -> list[custody.LineSpec]:
    return [
        custody.LineSpec(
            id=line.pk,
            label=line.miner_model.name,
            units=line.units,
            unit_value_usd=line.unit_value_usd,
            hashrate_ths=line.miner_model.hashrate_ths,
        )
        for line in lines
    ]


def _event_spec(event: ShipmentEvent | EventInput) -> custody.EventSpec:
    line = event.line
    return custody.EventSpec(
        kind=event.kind, occurred_on=event.occurred_on, line_id=line.pk if line else None, units=event.units
    )


def _store_state(shipment: Shipment, lines: list[ShipmentLine], state: custody.CustodyState) -> None:
    for line in lines:
        derived = state.lines[line.pk]
        line.units_detained = derived.detained
        line.units_in_custody = derived.in_custody
        line.units_seized = derived.seized
        line.units_released = derived.released
        line.units_forfeited = derived.forfeited
        line.units_abandoned = derived.abandoned
        line.units_exported = derived.exported
    ShipmentLine.objects.bulk_update(lines, LINE_DERIVED_FIELDS)
    figures = {
        "status": state.status,
        "units_total": sum(line.units for line in lines),
        "units_detained": state.total("detained"),
        "units_in_custody": state.total("in_custody"),
        "units_released": state.total("released"),
        "units_forfeited": state.total("forfeited"),
        "units_abandoned": state.total("abandoned"),
        "units_exported": state.total("exported"),
        "value_in_custody_usd": state.value_in_custody_usd,
        "hashrate_in_custody_ths": state.hashrate_in_custody_ths,
        "first_detained_on": state.first_detained_on,
        "custody_ended_on": state.custody_ended_on,
    }
    # A queryset update: derived figures are not edits, so they stay out of the audit history.
    Shipment.objects.filter(pk=shipment.pk).update(**figures)
    _store_custody_changes(shipment, lines, state)
    for name, value in figures.items():
        setattr(shipment, name, value)
    shipment_deadlines_derive(shipment=shipment)


def _store_custody_changes(shipment: Shipment, lines: list[ShipmentLine], state: custody.CustodyState) -> None:
    by_id = {line.pk: line for line in lines}
    CustodyChange.objects.filter(shipment=shipment).delete()
    CustodyChange.objects.bulk_create(
        CustodyChange(
            shipment=shipment,
            line_id=movement.line_id,
            day=movement.day,
            units=movement.units,
            value_usd=movement.units * by_id[movement.line_id].unit_value_usd,
            hashrate_ths=movement.units * by_id[movement.line_id].miner_model.hashrate_ths,
        )
        for movement in state.movements
    )


def _locked(shipment: Shipment) -> tuple[Shipment, list[ShipmentLine], list[ShipmentEvent]]:
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
    lines = list(locked.lines.select_related("miner_model").order_by("id"))
    events = list(locked.events.active().select_related("line").order_by("occurred_on", "id"))
    return locked, lines, events


def _replay(shipment: Shipment, lines, events) -> custody.CustodyState:
    try:
        return custody.replay(
            _line_specs(lines),
            [_event_spec(event) for event in events],
            arrived_on=shipment.arrived_on,
            today=timezone.localdate(),
        )
    except custody.CustodyError as error:
        raise custody.CustodyError(f"{shipment.entry_number}: {error}") from None


def _validate_input(shipment: Shipment, lines: list[ShipmentLine], event: EventInput) -> None:
    if event.kind not in EventKind.values or event.kind == EventKind.VOID:
        raise LedgerError(f"{shipment.entry_number}: {event.kind!r} is not an event kind (use event_void to void)")
    if event.line is not None and event.line.pk not in {line.pk for line in lines}:
        raise LedgerError(f"{shipment.entry_number}: the line {event.line} is not on this shipment")


@transaction.atomic
def shipment_record_events(*, shipment: Shipment, events: Iterable[EventInput], user=None) -> list[ShipmentEvent]:
    """Record several events on one shipment, all or none, checked together against its history."""
    events = list(events)
    locked, lines, existing = _locked(shipment)
    for event in events:
        _validate_input(locked, lines, event)
    state = _replay(locked, lines, [*existing, *events])
    created = [
        ShipmentEvent.objects.create(
            shipment=locked,
            kind=event.kind,
            occurred_on=event.occurred_on,
            line=event.line,
            units=event.units,
            reference=event.reference.strip(),
            legal_basis=event.legal_basis.strip(),
            note=event.note.strip(),
            entered_by=user,
        )
        for event in events
    ]
    _store_state(shipment, lines, state)
    _announce_change()
    return created


def shipment_record_event(
    *,
    shipment: Shipment,
    kind: str,
    occurred_on: datetime.date,
    line: ShipmentLine | None = None,
    units: int | None = None,
    reference: str = "",
    legal_basis: str = "",
    note: str = "",
    user=None,
) -> ShipmentEvent:
    """Record one event (detained, seized, released, …) after checking it against the shipment's history."""
    event = EventInput(
        kind=kind,
        occurred_on=occurred_on,
        line=line,
        units=units,
        reference=reference,
        legal_basis=legal_basis,
        note=note,
    )
    return shipment_record_events(shipment=shipment, events=[event], user=user)[0]


def shipment_release(
    *,
    shipment: Shipment,
    units_by_line: dict[ShipmentLine, int],
    occurred_on: datetime.date,
    reference: str = "",
    note: str = "",
    user=None,
) -> list[ShipmentEvent]:
    """Release units line by line (a partial release names fewer than are held); one event per line released."""
    releases = [
        EventInput(
            kind=EventKind.RELEASED, occurred_on=occurred_on, line=line, units=units, reference=reference, note=note
        )
        for line, units in units_by_line.items()
        if units
    ]
    if any(units < 0 for units in units_by_line.values()):
        raise LedgerError(f"{shipment.entry_number}: units to release cannot be negative")
    if not releases:
        raise LedgerError(f"{shipment.entry_number}: enter the units to release on at least one line")
    return shipment_record_events(shipment=shipment, events=releases, user=user)


@transaction.atomic
def event_void(*, event: ShipmentEvent, reason: str, user=None) -> ShipmentEvent:
    """Cancel a mistaken event with a reason; the custody figures are derived again without it."""
    reason = reason.strip()
    locked, lines, existing = _locked(event.shipment)
    event = ShipmentEvent.objects.select_related("voids").get(pk=event.pk)
    if not reason:
        raise LedgerError(f"{locked.entry_number}: give the reason the event is voided")
    if event.kind == EventKind.VOID:
        raise LedgerError(f"{locked.entry_number}: a void cannot itself be voided; record the event again instead")
    if ShipmentEvent.objects.filter(voids=event).exists():
        raise LedgerError(f"{locked.entry_number}: {event} is already void")
    remaining = [other for other in existing if other.pk != event.pk]
    try:
        state = _replay(locked, lines, remaining)
    except custody.CustodyError as error:
        raise LedgerError(f"cannot void {event}: without it, {error}") from None
    void = ShipmentEvent.objects.create(
        shipment=locked,
        kind=EventKind.VOID,
        occurred_on=timezone.localdate(),
        voids=event,
        note=reason,
        entered_by=user,
    )
    _store_state(event.shipment, lines, state)
    _announce_change()
    return void


@transaction.atomic
def shipment_recompute(*, shipment: Shipment) -> Shipment:
    """Derive the custody figures again, e.g. after an admin edited line items of a shipment."""
    locked, lines, existing = _locked(shipment)
    _store_state(shipment, lines, _replay(locked, lines, existing))
    _announce_change()
    return shipment
