import datetime
import re
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Min, Prefetch, Sum
from django.utils import timezone

from seizures import custody, services
from seizures.demo import ledger, story
from seizures.models import (
    EventKind,
    Importer,
    Manufacturer,
    MinerModel,
    Port,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    ShipmentStatus,
)
from tests.factories import make_shipment

pytestmark = pytest.mark.django_db

D = datetime.date
BANNER = "Demo data: the ledger holds invented demo shipments"


def load(*args) -> str:
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def demo_loaded():
    return load()


@pytest.fixture
def real_shipment():
    """A non-demo shipment with a history of its own, which demo loads and removals must leave alone."""
    shipment = make_shipment(lines=[("Antminer S21", 40, "3000.00")], arrived_on=D(2024, 11, 20))
    services.shipment_record_event(shipment=shipment, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    services.shipment_release(shipment=shipment, units_by_line={shipment.lines.get(): 10}, occurred_on=D(2025, 3, 10))
    return shipment


def row_counts() -> dict[str, int]:
    models = [Manufacturer, MinerModel, Port, Importer, Shipment, ShipmentLine, ShipmentEvent]
    counts = {model.__name__: model.objects.count() for model in models}
    counts |= {f"history of {model.__name__}": model.history.count() for model in [Importer, Shipment, ShipmentLine]}
    return counts


def custody_over_time() -> list[tuple[datetime.date, int, Decimal]]:
    """Units and value in custody after each day's events, replayed from the active events of the demo shipments."""
    changes = defaultdict(lambda: [0, Decimal(0)])
    events = Prefetch("events", queryset=ShipmentEvent.objects.active().order_by("occurred_on", "id"))
    for shipment in Shipment.objects.demo().prefetch_related("lines", events):
        specs = [
            custody.LineSpec(line.pk, "", line.units, line.unit_value_usd, Decimal(0)) for line in shipment.lines.all()
        ]
        state = custody.CustodyState(lines={spec.id: custody.LineState(spec=spec) for spec in specs})
        for event in shipment.events.all():
            units, value = state.total("in_custody"), state.value_in_custody_usd
            spec = custody.EventSpec(event.kind, event.occurred_on, event.line_id, event.units)
            custody.apply_event(state, spec, arrived_on=shipment.arrived_on, today=timezone.localdate())
            changes[event.occurred_on][0] += state.total("in_custody") - units
            changes[event.occurred_on][1] += state.value_in_custody_usd - value
    timeline, units, value = [], 0, Decimal(0)
    for day in sorted(changes):
        units, value = units + changes[day][0], value + changes[day][1]
        timeline.append((day, units, value))
    return timeline


def held_on(timeline, day: datetime.date) -> int:
    return [units for when, units, _ in timeline if when <= day][-1]


def test_the_plan_is_the_same_from_the_same_seed():
    assert story.build_plan() == story.build_plan()
    assert story.build_plan(seed=1) != story.build_plan()


def test_load_writes_only_demo_rows_labelled_as_demo(real_shipment):
    before = row_counts()
    load()
    assert Shipment.objects.filter(is_demo=False).get() == real_shipment
    assert Importer.objects.filter(is_demo=False).count() == before["Importer"]
    for model in [Manufacturer, MinerModel, Port]:
        assert model.objects.count() == before[model.__name__]
    importers = Importer.objects.filter(is_demo=True)
    assert importers.count() == len(story.IMPORTERS)
    assert all(
        name.startswith("Demo Importer ") and name.endswith(" (demo)")
        for name in importers.values_list("name", flat=True)
    )
    demo_shipments = Shipment.objects.demo()
    assert all(
        re.fullmatch(r"DMO-\d{7}-\d", number) for number in demo_shipments.values_list("entry_number", flat=True)
    )
    assert set(demo_shipments.values_list("importer__is_demo", flat=True)) == {True}
    assert set(demo_shipments.values_list("notes", flat=True)) == {story.SHIPMENT_NOTE}


def test_load_gives_the_same_exact_figures_every_time(demo_loaded):
    # Every planned event is on or before story.STORY_END, so these hold on any later day.
    summary = ledger.demo_summary()
    assert (summary.shipments, summary.importers, summary.events) == (208, 12, 920)
    assert (summary.units, summary.units_in_custody) == (12_178, 1_739)
    assert summary.value_in_custody_usd == Decimal("1408840.00")
    assert Shipment.objects.demo().aggregate(Sum("units_released"))["units_released__sum"] == 5_060


def test_progress_is_shown_as_counted_steps(demo_loaded):
    assert "importers: 12/12" in demo_loaded
    assert "shipments: 20/208" in demo_loaded
    assert "shipments: 208/208" in demo_loaded
    assert "Loaded demo data: 208 shipments (12,178 units)" in demo_loaded


def test_holds_start_with_bitmain_at_san_francisco_and_detroit_then_reach_microbt_and_canaan(demo_loaded):
    def first_hold(maker):
        shipments = Shipment.objects.demo().filter(lines__miner_model__manufacturer__name=maker)
        return shipments.aggregate(first=Min("first_detained_on"))["first"]

    assert first_hold("Bitmain") == D(2024, 11, 25)
    first_day = Shipment.objects.demo().filter(first_detained_on=D(2024, 11, 25))
    assert set(first_day.values_list("port__code", flat=True)) == {"2809", "3801"}
    assert D(2025, 1, 1) <= first_hold("MicroBT") <= D(2025, 2, 28)
    assert D(2025, 1, 1) <= first_hold("Canaan") <= D(2025, 2, 28)


def test_no_release_before_the_reuters_report_then_thousands_while_most_stay_held(demo_loaded):
    releases = ShipmentEvent.objects.active().filter(shipment__is_demo=True, kind=EventKind.RELEASED)
    assert releases.aggregate(first=Min("occurred_on"))["first"] == D(2025, 3, 5)
    released_in_march = releases.filter(occurred_on__lt=D(2025, 4, 1)).aggregate(units=Sum("units"))["units"]
    timeline = custody_over_time()
    assert released_in_march >= 2_000
    assert held_on(timeline, D(2025, 3, 31)) > held_on(timeline, D(2025, 3, 4)) / 2


def test_peak_in_custody_is_near_ten_thousand_machines_worth_over_five_million(demo_loaded):
    timeline = custody_over_time()
    peak_day, peak_units, peak_value = max(timeline, key=lambda point: point[1])
    assert 8_000 <= peak_units <= 11_000
    assert D(2025, 2, 1) <= peak_day <= D(2025, 3, 15)
    assert Decimal(5_000_000) < peak_value <= Decimal(10_000_000)
    assert (peak_day, peak_units, peak_value) == (D(2025, 3, 2), 9_488, Decimal("7925595.00"))
    # The replay ends where the services' stored figures stand.
    assert timeline[-1][1] == ledger.demo_summary().units_in_custody


def test_the_story_has_every_step_and_some_machines_still_held(demo_loaded):
    events = ShipmentEvent.objects.filter(shipment__is_demo=True)
    kinds = set(events.values_list("kind", flat=True))
    assert kinds == set(EventKind.values)
    assert events.filter(kind=EventKind.VOID).count() == 4
    assert set(events.exclude(legal_basis="").values_list("legal_basis", flat=True)) == {
        story.DETENTION_BASIS,
        story.SEIZURE_BASIS,
        story.PROTEST,
        "19 USC 1607",
        "19 USC 1608",
    }
    # The forfeiture notice starts the 20-day claim clock, and the claim that follows meets it.
    claims = events.filter(kind=EventKind.CLAIM_FILED)
    assert claims.exists()
    for claim in claims:
        notice = events.get(shipment=claim.shipment, kind=EventKind.FORFEITURE_NOTICE)
        assert 0 < (claim.occurred_on - notice.occurred_on).days <= 20
        deadline = claim.shipment.deadlines.get(rule__code="forfeiture-claim")
        assert (deadline.status, deadline.closed_by_id) == ("met", claim.pk)
    # An FP&F case number from the seizure on, none before it.
    assert not events.filter(kind=EventKind.SEIZED).exclude(reference__regex=r"^20\d\d-\d{4}-\d{6}-01$").exists()
    assert not events.filter(kind=EventKind.DETAINED).exclude(reference="").exists()
    still_held = Shipment.objects.demo().in_custody()
    assert still_held.filter(status=ShipmentStatus.SEIZED).exists()
    assert still_held.filter(status=ShipmentStatus.PARTIALLY_RELEASED).exists()
    assert set(Shipment.objects.demo().values_list("status", flat=True)) == set(ShipmentStatus.values) - {"recorded"}


def test_second_load_changes_nothing_and_says_so(demo_loaded):
    before = row_counts()
    output = load()
    assert "already loaded (208 demo shipments); nothing changed" in output
    assert row_counts() == before


def test_a_failed_load_writes_nothing():
    taken = make_shipment(lines=[("Antminer S21", 5, "3000.00")], entry_number=story.build_plan()[100].entry_number)
    before = row_counts()
    with pytest.raises(CommandError, match="already exists"):
        load()
    assert row_counts() == before
    assert Shipment.objects.get() == taken


def test_remove_deletes_exactly_the_demo_rows(real_shipment):
    before = row_counts()
    real_events = list(real_shipment.events.values_list("id", "kind", "units"))
    load()
    output = load("--remove")
    assert "Removed demo data: 208 shipments with their lines and 920 events, 12 demo importers." in output
    assert row_counts() == before
    shipment = Shipment.objects.get()
    assert shipment == real_shipment
    assert (shipment.units_in_custody, shipment.units_released) == (30, 10)
    assert list(shipment.events.values_list("id", "kind", "units")) == real_events
    assert not Importer.objects.filter(is_demo=True).exists()
    assert "No demo data to remove." in load("--remove")


def test_remove_keeps_a_demo_importer_that_a_real_shipment_names(demo_loaded):
    importer = Importer.objects.get(name=story.IMPORTERS[0])
    real = make_shipment(lines=[("Antminer T21", 3, "2000.00")], importer=importer)
    load("--remove")
    assert list(Importer.objects.filter(is_demo=True)) == [importer]
    assert Shipment.objects.get() == real


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-password"))
    return client


@pytest.mark.parametrize("url", ["/shipments/", "/admin/"])
def test_banner_shows_while_demo_rows_exist_and_goes_after_remove(superuser_client, url):
    assert BANNER not in superuser_client.get(url).text
    load()
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert BANNER in page.text
    load("--remove")
    assert BANNER not in superuser_client.get(url).text


def test_admin_keeps_the_hashport_header(superuser_client):
    page = superuser_client.get("/admin/")
    assert '<a href="/admin/">Hashport admin</a>' in page.text


def test_remove_announces_the_change_so_cached_figures_drop_the_demo(demo_loaded, django_capture_on_commit_callbacks):
    from seizures.signals import ledger_changed

    received = []

    def receiver(sender, **kwargs):
        received.append(sender)

    ledger_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ledger.remove_demo()
    finally:
        ledger_changed.disconnect(receiver)
    assert received == [Shipment]
