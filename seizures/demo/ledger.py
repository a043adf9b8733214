"""The demo in the database: loaded through the services in one transaction, removed row for row."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from seizures import services
from seizures.demo.story import SHIPMENT_NOTE, PlannedEvent, PlannedShipment, build_plan
from seizures.errors import LedgerError
from seizures.models import EventKind, Importer, MinerModel, Port, Shipment, ShipmentEvent, ShipmentLine
from seizures.selectors import bump_ledger_generation
from seizures.signals import ledger_changed

Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    pass


def _reference_rows(plan: list[PlannedShipment]) -> tuple[dict[str, MinerModel], dict[str, Port]]:
    """The models and ports the plan names, or a LedgerError naming the missing ones."""
    model_names = {line.model for shipment in plan for line in shipment.lines}
    port_codes = {shipment.port_code for shipment in plan}
    models = {model.name: model for model in MinerModel.objects.filter(name__in=model_names)}
    ports = {port.code: port for port in Port.objects.filter(code__in=port_codes)}
    missing = sorted(model_names - models.keys()) + sorted(port_codes - ports.keys())
    if missing:
        raise LedgerError(
            f"the demo needs reference data that is missing: {', '.join(missing)} "
            "(migrate creates it; restore renamed rows in the admin)"
        )
    return models, ports


def _event_inputs(events: list[PlannedEvent], lines: list[ShipmentLine]) -> list[services.EventInput]:
    return [
        services.EventInput(
            kind=event.kind,
            occurred_on=event.occurred_on,
            line=None if event.line is None else lines[event.line],
            units=event.units,
            reference=event.reference,
            legal_basis=event.legal_basis,
            note=event.note,
        )
        for event in events
    ]


def _write_shipment(planned: PlannedShipment, importer: Importer, models, ports) -> Shipment:
    shipment = services.shipment_create(
        entry_number=planned.entry_number,
        importer=importer,
        port=ports[planned.port_code],
        arrived_on=planned.arrived_on,
        bill_of_lading=planned.bill_of_lading,
        notes=SHIPMENT_NOTE,
        is_demo=True,
        lines=[
            services.LineInput(miner_model=models[line.model], units=line.units, unit_value_usd=line.unit_value_usd)
            for line in planned.lines
        ],
    )
    lines = list(shipment.lines.order_by("id"))  # created in the plan's order
    services.shipment_record_events(shipment=shipment, events=_event_inputs(planned.events, lines))
    if planned.entered_twice is not None:
        duplicate = _event_inputs([planned.entered_twice], lines)
        [event] = services.shipment_record_events(shipment=shipment, events=duplicate)
        services.event_void(event=event, reason="Entered twice: the notice of seizure was already recorded.")
    return shipment


def _report_every(total: int) -> int:
    return max(1, total // 10)


@transaction.atomic
def load_demo(*, plan: list[PlannedShipment] | None = None, progress: Progress = _no_progress) -> int:
    """Write the demo ledger through the services, all or nothing; returns the shipments written (0: already there)."""
    if Shipment.objects.demo().exists():
        return 0
    plan = build_plan() if plan is None else plan
    models, ports = _reference_rows(plan)
    names = sorted({shipment.importer for shipment in plan})
    importers = {name: services.importer_get_or_create(name=name, is_demo=True) for name in names}
    progress("importers", len(importers), len(names))
    every = _report_every(len(plan))
    for done, planned in enumerate(plan, start=1):
        _write_shipment(planned, importers[planned.importer], models, ports)
        if done % every == 0 or done == len(plan):
            progress("shipments", done, len(plan))
    return len(plan)


@dataclass
class Removed:
    shipments: int = 0
    events: int = 0
    importers: int = 0
    importers_kept: int = 0  # demo importers that real shipments now name: kept, so those shipments stay whole


@transaction.atomic
def remove_demo() -> Removed:
    """Delete exactly the demo rows: demo shipments with their lines and events, and the demo importers."""
    removed = Removed()
    shipment_ids = list(Shipment.objects.demo().values_list("id", flat=True))
    events = ShipmentEvent.objects.filter(shipment_id__in=shipment_ids)
    # Queryset deletes skip the append-only guard of ShipmentEvent.delete on purpose; voids protect the events
    # they cancel, so they go first.
    removed.events += events.filter(kind=EventKind.VOID).delete()[0]
    removed.events += events.delete()[0]
    removed.shipments = Shipment.objects.filter(id__in=shipment_ids).delete()[1].get(Shipment._meta.label, 0)
    demo_importers = Importer.objects.filter(is_demo=True)
    removed.importers_kept = demo_importers.filter(shipments__isnull=False).distinct().count()
    importer_ids = list(demo_importers.filter(shipments__isnull=True).values_list("id", flat=True))
    removed.importers = Importer.objects.filter(id__in=importer_ids).delete()[1].get(Importer._meta.label, 0)
    # Invented rows leave no audit trail behind, so no demo name lingers in the admin's history pages.
    Shipment.history.filter(id__in=shipment_ids).delete()
    ShipmentLine.history.filter(shipment_id__in=shipment_ids).delete()
    Importer.history.filter(id__in=importer_ids).delete()
    if shipment_ids:
        bump_ledger_generation()
        transaction.on_commit(lambda: ledger_changed.send(sender=Shipment))
    return removed


@dataclass
class Summary:
    shipments: int
    importers: int
    events: int
    units: int
    units_in_custody: int
    value_in_custody_usd: Decimal


def demo_summary() -> Summary:
    """What the demo rows hold today, for the command's closing line."""
    shipments = Shipment.objects.demo()
    totals = shipments.aggregate(
        units=Sum("units_total"), held=Sum("units_in_custody"), value=Sum("value_in_custody_usd")
    )
    return Summary(
        shipments=shipments.count(),
        importers=Importer.objects.filter(is_demo=True).count(),
        events=ShipmentEvent.objects.filter(shipment__is_demo=True).count(),
        units=totals["units"] or 0,
        units_in_custody=totals["held"] or 0,
        value_in_custody_usd=totals["value"] or Decimal(0),
    )
