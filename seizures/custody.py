"""Custody arithmetic: replay a shipment's active events over its lines and derive where every unit is.

Pure functions, no database: the services feed them the locked rows and store what comes out, so the same
rules hold for the admin, the imports and the tests. A rule broken by an event raises CustodyError with a
message that names the numbers.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from seizures.errors import LedgerError
from seizures.models import UNIT_MOVING_KINDS, EventKind, ShipmentStatus


class CustodyError(LedgerError):
    """An event that the custody rules refuse; the message says why, with the numbers."""


@dataclass
class LineSpec:
    id: int
    label: str
    units: int
    unit_value_usd: Decimal
    hashrate_ths: Decimal


@dataclass
class EventSpec:
    kind: str
    occurred_on: datetime.date
    line_id: int | None = None
    units: int | None = None


@dataclass
class LineState:
    spec: LineSpec
    detained: int = 0
    in_custody: int = 0
    seized: int = 0
    released: int = 0
    forfeited: int = 0
    abandoned: int = 0
    exported: int = 0

    @property
    def not_yet_detained(self) -> int:
        return self.spec.units - self.detained

    @property
    def held_unseized(self) -> int:
        return self.in_custody - self.seized

    def take_from_custody(self, units: int) -> None:
        """Units leave custody, unseized ones first (a release usually ends a detention before a seizure)."""
        from_seized = max(0, units - self.held_unseized)
        self.seized -= from_seized
        self.in_custody -= units


@dataclass(frozen=True)
class Movement:
    """Units entering (+) or leaving (−) custody on one line on one day, as the replay found them."""

    line_id: int
    day: datetime.date
    units: int


@dataclass
class CustodyState:
    lines: dict[int, LineState]
    movements: list[Movement] = field(default_factory=list)
    status: str = ShipmentStatus.RECORDED
    first_detained_on: datetime.date | None = None
    custody_ended_on: datetime.date | None = None
    ever_seized: bool = False
    notes: list[str] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(line, attribute) for line in self.lines.values())

    @property
    def value_in_custody_usd(self) -> Decimal:
        return sum((line.in_custody * line.spec.unit_value_usd for line in self.lines.values()), Decimal("0.00"))

    @property
    def hashrate_in_custody_ths(self) -> Decimal:
        return sum((line.in_custody * line.spec.hashrate_ths for line in self.lines.values()), Decimal("0.00"))


def _n(units: int) -> str:
    return f"{units:,}"


def _units_word(units: int) -> str:
    return f"{_n(units)} unit" if units == 1 else f"{_n(units)} units"


def _target_lines(state: CustodyState, event: EventSpec) -> list[LineState]:
    if event.line_id is not None:
        if event.line_id not in state.lines:
            raise CustodyError("the event names a line that is not on this shipment")
        return [state.lines[event.line_id]]
    if event.units is not None and len(state.lines) > 1:
        models = ", ".join(line.spec.label for line in state.lines.values())
        raise CustodyError(f"this shipment has {len(state.lines)} lines ({models}): name the model the units move on")
    return list(state.lines.values())


def _apply_to_line(line: LineState, kind: str, units: int | None) -> int:
    """Move units on one line; returns how many moved. units=None means every unit the event can move."""
    label = line.spec.label
    if kind == EventKind.DETAINED:
        available = line.not_yet_detained
        moved = available if units is None else units
        if moved > available:
            raise CustodyError(
                f"detaining {_units_word(moved)} of {label}, but only {_n(available)} of the line's "
                f"{_n(line.spec.units)} are not already detained"
            )
        line.detained += moved
        line.in_custody += moved
    elif kind == EventKind.SEIZED:
        available = line.held_unseized + line.not_yet_detained
        moved = available if units is None else units
        if moved > available:
            raise CustodyError(
                f"seizing {_units_word(moved)} of {label}, but only {_n(available)} of the line's "
                f"{_n(line.spec.units)} are not already seized or out of custody"
            )
        entering = max(0, moved - line.held_unseized)
        line.detained += entering
        line.in_custody += entering
        line.seized += moved
    elif kind == EventKind.FORFEITED:
        moved = line.seized if units is None else units
        if moved > line.seized:
            raise CustodyError(
                f"forfeiting {_units_word(moved)} of {label}, but only {_n(line.seized)} are seized "
                "(forfeiture follows a seizure)"
            )
        line.seized -= moved
        line.in_custody -= moved
        line.forfeited += moved
    else:  # released, abandoned, exported: units leave custody
        moved = line.in_custody if units is None else units
        if moved > line.in_custody:
            verb = {EventKind.RELEASED: "releasing", EventKind.ABANDONED: "abandoning"}.get(kind, "exporting")
            raise CustodyError(f"{verb} {_units_word(moved)} of {label}, but only {_n(line.in_custody)} are in custody")
        line.take_from_custody(moved)
        if kind == EventKind.RELEASED:
            line.released += moved
        elif kind == EventKind.ABANDONED:
            line.abandoned += moved
        else:
            line.exported += moved
    return moved


def _status(state: CustodyState) -> str:
    held = state.total("in_custody")
    if state.total("detained") == 0:
        return ShipmentStatus.RECORDED
    if held > 0:
        if state.total("released") or state.total("exported"):
            return ShipmentStatus.PARTIALLY_RELEASED
        return ShipmentStatus.SEIZED if state.total("seized") else ShipmentStatus.DETAINED
    outcomes = {
        ShipmentStatus.RELEASED: state.total("released"),
        ShipmentStatus.FORFEITED: state.total("forfeited"),
        ShipmentStatus.EXPORTED: state.total("exported"),
        ShipmentStatus.CLOSED: state.total("abandoned"),
    }
    nonzero = [status for status, units in outcomes.items() if units]
    return nonzero[0] if len(nonzero) == 1 else ShipmentStatus.CLOSED


def apply_event(state: CustodyState, event: EventSpec, *, arrived_on: datetime.date, today: datetime.date) -> None:
    """Apply one event to the state in place, or raise CustodyError."""
    when = event.occurred_on
    if when < arrived_on:
        raise CustodyError(f"the event is dated {when:%Y-%m-%d}, before the shipment arrived on {arrived_on:%Y-%m-%d}")
    if when > today:
        raise CustodyError(f"the event is dated {when:%Y-%m-%d}, in the future (today is {today:%Y-%m-%d})")
    if state.custody_ended_on is not None and when > state.custody_ended_on:
        raise CustodyError(
            f"the shipment closed on {state.custody_ended_on:%Y-%m-%d} (no units left in custody); "
            f"an event dated {when:%Y-%m-%d} comes after that"
        )
    kind = event.kind
    if kind == EventKind.VOID:
        raise CustodyError("a void event cancels another event and is not replayed")
    if kind not in UNIT_MOVING_KINDS:
        if event.units is not None:
            raise CustodyError(f"a {EventKind(kind).label.lower()} event moves no units; leave units empty")
        if state.total("detained") == 0:
            raise CustodyError(f"a {EventKind(kind).label.lower()} event needs the shipment to be in custody first")
        return
    if event.units is not None and event.units <= 0:
        raise CustodyError(f"units must be a positive whole number, not {event.units}")

    detained_before = state.total("detained")
    moved = 0
    for line in _target_lines(state, event):
        held_before = line.in_custody
        moved += _apply_to_line(line, kind, event.units)
        if line.in_custody != held_before:
            state.movements.append(Movement(line_id=line.spec.id, day=when, units=line.in_custody - held_before))
    if moved == 0:
        raise CustodyError(f"nothing to move: no units of this shipment can be {EventKind(kind).label.lower()} now")
    if kind == EventKind.SEIZED:
        state.ever_seized = True
    if state.first_detained_on is None and state.total("detained") > detained_before:
        state.first_detained_on = when
    state.custody_ended_on = when if state.total("in_custody") == 0 else None


def replay(
    lines: list[LineSpec], events: list[EventSpec], *, arrived_on: datetime.date, today: datetime.date
) -> CustodyState:
    """Derive the custody state from events in date order (ties keep the given order)."""
    state = CustodyState(lines={line.id: LineState(spec=line) for line in lines})
    for event in sorted(events, key=lambda event: event.occurred_on):
        apply_event(state, event, arrived_on=arrived_on, today=today)
    state.status = _status(state)
    return state
