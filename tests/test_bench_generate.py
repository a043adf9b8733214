"""bench/generate.py: the generated custody figures are what seizures.custody derives from the generated events,
the same N is reused, another N replaces only bench rows, and the script refuses the wrong database."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bench import _common, generate
from seizures import custody
from seizures.models import EventKind, Shipment, ShipmentEvent, ShipmentStatus
from tests.factories import make_shipment

LINE_FIGURES = {
    "units_detained": "detained",
    "units_in_custody": "in_custody",
    "units_seized": "seized",
    "units_released": "released",
    "units_forfeited": "forfeited",
    "units_abandoned": "abandoned",
    "units_exported": "exported",
}


def assert_figures_match_a_replay(shipments) -> None:
    """Replay every shipment's active events through the custody engine, as the services do, and compare."""
    today = timezone.localdate()
    for shipment in shipments:
        lines = list(shipment.lines.select_related("miner_model").order_by("id"))
        events = list(shipment.events.active().order_by("occurred_on", "id"))
        state = custody.replay(
            [
                custody.LineSpec(
                    id=line.pk,
                    label=line.miner_model.name,
                    units=line.units,
                    unit_value_usd=line.unit_value_usd,
                    hashrate_ths=line.miner_model.hashrate_ths,
                )
                for line in lines
            ],
            [
                custody.EventSpec(kind=e.kind, occurred_on=e.occurred_on, line_id=e.line_id, units=e.units)
                for e in events
            ],
            arrived_on=shipment.arrived_on,
            today=today,
        )
        expected = {
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
        assert {name: getattr(shipment, name) for name in expected} == expected, shipment.entry_number
        for line in lines:
            derived = state.lines[line.pk]
            assert {name: getattr(line, name) for name in LINE_FIGURES} == {
                name: getattr(derived, attribute) for name, attribute in LINE_FIGURES.items()
            }, f"{shipment.entry_number} line {line.pk}"


@pytest.mark.django_db(transaction=True)
def test_generated_figures_are_what_the_custody_engine_derives_from_the_events(postgres, reference_data, capsys):
    generate.ensure_generated(300)

    shipments = list(Shipment.objects.filter(entry_number__startswith="BEN-"))
    assert len(shipments) == 300
    assert_figures_match_a_replay(shipments)
    out = capsys.readouterr().out
    assert "truncated the ledger tables" in out
    assert "verified 300 shipments against the custody engine" in out


@pytest.mark.django_db(transaction=True)
def test_generated_ledger_looks_like_the_real_one(postgres, reference_data):
    generate.ensure_generated(300)

    events = ShipmentEvent.objects.filter(shipment__entry_number__startswith="BEN-")
    assert 2 <= events.count() / 300 <= 5
    assert {EventKind.DETAINED, EventKind.SEIZED, EventKind.SEIZURE_NOTICE, EventKind.RELEASED} <= set(
        events.values_list("kind", flat=True)
    )
    statuses = set(Shipment.objects.values_list("status", flat=True))
    assert {
        ShipmentStatus.DETAINED,
        ShipmentStatus.SEIZED,
        ShipmentStatus.RELEASED,
        ShipmentStatus.FORFEITED,
    } <= statuses
    assert events.filter(kind=EventKind.SEIZED, legal_basis="19 USC 1595a(c)(2)(A)").exists()
    assert all(s.importer.name.startswith("Bench Importer ") for s in Shipment.objects.select_related("importer"))


@pytest.mark.django_db(transaction=True)
def test_the_same_count_is_reused(postgres, reference_data, capsys):
    generate.ensure_generated(300)
    ids = set(Shipment.objects.values_list("id", flat=True))
    capsys.readouterr()

    generate.ensure_generated(300)

    assert capsys.readouterr().out == "reusing 300 generated shipments\n"
    assert set(Shipment.objects.values_list("id", flat=True)) == ids


@pytest.mark.django_db(transaction=True)
def test_another_count_deletes_only_bench_rows_when_other_shipments_exist(postgres, reference_data, capsys):
    generate.ensure_generated(300)
    # The ORM can insert after the COPY: the id sequences were moved past the generated rows.
    own = make_shipment(lines=[("Antminer S21", 10, "3000.00")])
    capsys.readouterr()

    generate.ensure_generated(120)

    assert "deleted 300 earlier bench shipments by filer code BEN" in capsys.readouterr().out
    assert Shipment.objects.filter(entry_number__startswith="BEN-").count() == 120
    assert Shipment.objects.get(pk=own.pk).lines.count() == 1
    assert_figures_match_a_replay(Shipment.objects.filter(entry_number__startswith="BEN-"))
    make_shipment(lines=[("Whatsminer M60S", 5, "2500.00")])


def test_refuses_a_database_other_than_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(SystemExit, match="needs PostgreSQL"):
        _common.require_postgresql("bench/generate.py")


@pytest.mark.django_db
def test_asks_for_migrate_when_migrations_are_unapplied(monkeypatch):
    executor = MigrationExecutor(connection)
    pending = [(executor.loader.get_migration("seizures", "0001_initial"), False)]
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: pending)

    with pytest.raises(SystemExit, match=r"manage\.py migrate"):
        _common.require_migrated()
