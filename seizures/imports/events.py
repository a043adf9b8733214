"""Import events from CSV: each row is one event (detained, seized, released, …) on a shipment in the ledger.

Each shipment's new events are replayed with its recorded ones in date order, one at a time, through the custody
engine (seizures/custody.py), so a violation is reported on the row that causes it. A row identical to an active
recorded event is skipped as already recorded, so the same file imported twice records nothing the second time.
Writes go through services.shipment_record_events, every shipment inside one transaction.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from itertools import batched

from django.db import transaction
from django.utils import timezone

from seizures import custody, services
from seizures.entry_numbers import normalise_entry_number
from seizures.errors import LedgerError
from seizures.imports.csv_reading import Row, read_rows
from seizures.imports.fields import FieldError, parse_date, parse_units, required, unknown
from seizures.imports.reference import Reference
from seizures.imports.result import ImportResult, Progress, RowError, count, counted, no_progress
from seizures.models import EventKind, Shipment, ShipmentEvent, ShipmentLine

COLUMNS = ["entry_number", "event", "date", "model", "units", "reference", "legal_basis", "note"]
KINDS = [kind for kind in EventKind.values if kind != EventKind.VOID]
CHUNK = 10_000  # entry numbers per query
MAX_LENGTHS = {column: ShipmentEvent._meta.get_field(column).max_length for column in ("reference", "legal_basis")}


@dataclass
class EventRow:
    line: int
    entry_number: str
    kind: str
    occurred_on: datetime.date
    model_line: ShipmentLine | None
    units: int | None
    reference: str
    legal_basis: str
    note: str

    @property
    def key(self) -> tuple:
        """What makes a row the same event as one already recorded."""
        line_id = self.model_line.pk if self.model_line else None
        return (self.kind, self.occurred_on, line_id, self.units, self.reference)

    def spec(self) -> custody.EventSpec:
        line_id = self.model_line.pk if self.model_line else None
        return custody.EventSpec(kind=self.kind, occurred_on=self.occurred_on, line_id=line_id, units=self.units)


@dataclass
class Recorded:
    """A shipment as the ledger holds it: its lines by miner model and its active events in date order."""

    shipment: Shipment
    lines: dict[int, ShipmentLine]
    events: list[ShipmentEvent]


def _kind(value: str) -> str:
    kind = required(value).lower().replace(" ", "_").replace("-", "_")
    if kind == EventKind.VOID:
        raise FieldError("void events are not imported: void the event in the admin, with the reason")
    if kind not in KINDS:
        raise unknown("event", value, KINDS, hint=f" (one of {', '.join(KINDS)})")
    return kind


def _optional_units(value: str) -> int | None:
    return parse_units(value) if value else None


def _bounded(column: str):
    def parse(value: str) -> str:
        if len(value) > MAX_LENGTHS[column]:
            raise FieldError(f"{len(value)} characters long; at most {MAX_LENGTHS[column]}")
        return value

    return parse


def _parse(row: Row, reference: Reference) -> tuple[dict, list[RowError]]:
    values, parsed, errors = row.values, {}, []
    parsers = [
        ("entry_number", lambda value: normalise_entry_number(required(value))),
        ("event", _kind),
        ("date", parse_date),
        ("model", lambda value: reference.model(value) if value else None),
        ("units", _optional_units),
        ("reference", _bounded("reference")),
        ("legal_basis", _bounded("legal_basis")),
    ]
    for column, parse in parsers:
        try:
            parsed[column] = parse(values[column])
        except LedgerError as error:
            errors.append(RowError(row.line, column, str(error)))
    parsed["note"] = values["note"]
    return parsed, errors


def _load(entry_numbers: set[str]) -> dict[str, Recorded]:
    recorded = {}
    for chunk in batched(sorted(entry_numbers), CHUNK):
        shipments = {shipment.pk: shipment for shipment in Shipment.objects.filter(entry_number__in=chunk)}
        by_id = {pk: Recorded(shipment, {}, []) for pk, shipment in shipments.items()}
        for line in ShipmentLine.objects.filter(shipment_id__in=shipments).select_related("miner_model"):
            by_id[line.shipment_id].lines[line.miner_model_id] = line
        events = ShipmentEvent.objects.active().filter(shipment_id__in=shipments).order_by("occurred_on", "id")
        for event in events:
            by_id[event.shipment_id].events.append(event)
        recorded.update((shipment.entry_number, by_id[pk]) for pk, shipment in shipments.items())
    return recorded


def _event_row(line: int, parsed: dict, recorded: dict[str, Recorded]) -> EventRow | RowError:
    """Tie a parsed row to its shipment and line, or say why it cannot be."""
    entry_number, model = parsed["entry_number"], parsed["model"]
    shipment = recorded.get(entry_number)
    if shipment is None:
        return RowError(line, "entry_number", f"no shipment has entry number {entry_number}; import the shipment first")
    model_line = None
    if model is not None:
        model_line = shipment.lines.get(model.pk)
        if model_line is None:
            names = ", ".join(other.miner_model.name for other in shipment.lines.values())
            return RowError(line, "model", f"{model.name} is not on {entry_number} (its lines: {names})")
    return EventRow(
        line=line,
        entry_number=entry_number,
        kind=parsed["event"],
        occurred_on=parsed["date"],
        model_line=model_line,
        units=parsed["units"],
        reference=parsed["reference"],
        legal_basis=parsed["legal_basis"],
        note=parsed["note"],
    )


def _new_rows(recorded: Recorded, rows: list[EventRow]) -> list[EventRow]:
    """The rows not already recorded; each recorded event matches at most one row of the file."""
    remaining = Counter(
        (event.kind, event.occurred_on, event.line_id, event.units, event.reference) for event in recorded.events
    )
    new = []
    for row in rows:
        if remaining[row.key]:
            remaining[row.key] -= 1
        else:
            new.append(row)
    return new


def _recorded_spec(event: ShipmentEvent) -> custody.EventSpec:
    return custody.EventSpec(kind=event.kind, occurred_on=event.occurred_on, line_id=event.line_id, units=event.units)


def _state_after(line_specs: list[custody.LineSpec], events: list[custody.EventSpec], recorded: Recorded, today):
    state = custody.CustodyState(lines={spec.id: custody.LineState(spec=spec) for spec in line_specs})
    for event in events:
        custody.apply_event(state, event, arrived_on=recorded.shipment.arrived_on, today=today)
    return state


def _check_custody(recorded: Recorded, new: list[EventRow], today: datetime.date) -> list[RowError]:
    """Replay recorded and new events in date order (recorded first on a tie, as the services do), one at a time."""
    line_specs = [
        custody.LineSpec(
            id=line.pk,
            label=line.miner_model.name,
            units=line.units,
            unit_value_usd=line.unit_value_usd,
            hashrate_ths=line.miner_model.hashrate_ths,
        )
        for line in recorded.lines.values()
    ]
    timeline = [
        (event.occurred_on, 0, index, _recorded_spec(event), None) for index, event in enumerate(recorded.events)
    ]
    timeline += [(row.occurred_on, 1, row.line, row.spec(), row) for row in new]
    timeline.sort(key=lambda step: step[:3])

    state = _state_after(line_specs, [], recorded, today)
    applied, errors, last_row = [], [], None
    for occurred_on, _, _, spec, row in timeline:
        try:
            custody.apply_event(state, spec, arrived_on=recorded.shipment.arrived_on, today=today)
        except custody.CustodyError as error:
            if row is not None:
                errors.append(RowError(row.line, "event", str(error)))
            else:
                # A recorded event that no longer fits: the new event dated before it is the cause.
                cause = last_row or new[0]
                kind = EventKind(spec.kind).label.lower()
                reason = f"after this event the {kind} recorded on {occurred_on:%Y-%m-%d} no longer fits: {error}"
                errors.append(RowError(cause.line, "event", reason))
            # Carry on from the last good state, so the following rows are checked on their own merits.
            state = _state_after(line_specs, applied, recorded, today)
            continue
        applied.append(spec)
        last_row = row or last_row
    return errors


@transaction.atomic
def _write(plan: dict[str, list[EventRow]], recorded: dict[str, Recorded], *, user, progress: Progress) -> None:
    for entry_number in counted(list(plan), "recording events (shipments)", progress):
        services.shipment_record_events(
            shipment=recorded[entry_number].shipment,
            events=[
                services.EventInput(
                    kind=row.kind,
                    occurred_on=row.occurred_on,
                    line=row.model_line,
                    units=row.units,
                    reference=row.reference,
                    legal_basis=row.legal_basis,
                    note=row.note,
                )
                for row in plan[entry_number]
            ],
            user=user,
        )


def _summary(new: int, shipments: int, already: int, *, dry_run: bool) -> str:
    if not new:
        return f"nothing to import: all {count(already, 'event')} in the file are already recorded"
    text = f"{count(new, 'event')} on {count(shipments, 'shipment')}, {already:,} already recorded"
    return f"dry run: would record {text}; nothing was written" if dry_run else f"recorded {text}"


def _rows_by_shipment(parsed_rows: list, recorded: dict[str, Recorded]) -> tuple[dict, set[str], list[RowError]]:
    """Good rows grouped by entry number; also the entry numbers with a bad row, and the errors found here."""
    by_shipment: dict[str, list[EventRow]] = {}
    broken, errors = set(), []
    for line, parsed, bad in parsed_rows:
        if not bad:
            event_row = _event_row(line, parsed, recorded)
            if isinstance(event_row, EventRow):
                by_shipment.setdefault(event_row.entry_number, []).append(event_row)
                continue
            errors.append(event_row)
        broken.add(parsed.get("entry_number"))
    return by_shipment, broken, errors


def _plan(by_shipment: dict, broken: set[str], recorded: dict[str, Recorded], *, progress: Progress):
    """The new events of each shipment in date order, how many rows are already recorded, and custody errors.

    A shipment with a bad row is not replayed: its other rows would only report echoes of that error.
    """
    plan, already, errors, today = {}, 0, [], timezone.localdate()
    for entry_number in counted(list(by_shipment), "checking custody (shipments)", progress):
        if entry_number in broken:
            continue
        rows = by_shipment[entry_number]
        new = sorted(_new_rows(recorded[entry_number], rows), key=lambda row: (row.occurred_on, row.line))
        already += len(rows) - len(new)
        if new:
            errors.extend(_check_custody(recorded[entry_number], new, today))
            plan[entry_number] = new
    return plan, already, errors


def events_import(*, data: bytes, dry_run: bool = False, user=None, progress: Progress = no_progress) -> ImportResult:
    """Import an events CSV (DESIGN.md); writes nothing unless every row is good. `user` is recorded as entered_by."""
    rows, errors = read_rows(data, columns=COLUMNS)
    if not rows:
        return ImportResult.failed(errors, dry_run=dry_run)

    reference = Reference.load()
    parsed_rows = []
    for row in counted(rows, "validating rows", progress):
        parsed, row_errors = _parse(row, reference)
        errors.extend(row_errors)
        parsed_rows.append((row.line, parsed, bool(row_errors)))
    recorded = _load({parsed["entry_number"] for _, parsed, _ in parsed_rows if "entry_number" in parsed})
    by_shipment, broken, tie_errors = _rows_by_shipment(parsed_rows, recorded)
    plan, already, custody_errors = _plan(by_shipment, broken, recorded, progress=progress)
    errors += tie_errors + custody_errors
    if errors:
        return ImportResult.failed(errors, dry_run=dry_run)

    new_events = sum(len(events) for events in plan.values())
    if not dry_run and plan:
        try:
            _write(plan, recorded, user=user, progress=progress)
        except LedgerError as error:
            first_line = min(event.line for events in plan.values() for event in events)
            reason = f"the ledger changed while importing ({error}); nothing was imported, run the import again"
            return ImportResult.failed([RowError(first_line, "file", reason)], dry_run=dry_run)
    return ImportResult(
        dry_run=dry_run,
        summary=_summary(new_events, len(plan), already, dry_run=dry_run),
        counts={
            "rows": len(rows),
            "events_created": new_events,
            "shipments": len(plan),
            "events_already_recorded": already,
        },
    )
