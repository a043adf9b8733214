import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seizures import roles, services
from seizures.models import EventKind, Manufacturer, MinerModel, Port, Shipment, ShipmentEvent, ShipmentStatus
from tests.factories import ImporterFactory, make_shipment

pytestmark = pytest.mark.django_db

D = datetime.date
FIRST_HOLD = D(2024, 11, 25)
CHANGELIST = "admin:seizures_shipment_changelist"


def url(name, shipment):
    return reverse(f"admin:seizures_shipment_{name}", args=[shipment.pk])


def line_of(shipment, model_name):
    return shipment.lines.get(miner_model__name=model_name)


def detain(shipment, *, line=None, units=None, reference="", on=FIRST_HOLD):
    return services.shipment_record_event(
        shipment=shipment, kind=EventKind.DETAINED, occurred_on=on, line=line, units=units, reference=reference
    )


@pytest.fixture
def shipment():
    return make_shipment(
        entry_number="ABC-1234567-8", lines=[("Antminer S21", 100, "3000.00"), ("Whatsminer M60S", 50, "2500.00")]
    )


@pytest.fixture
def detained(shipment):
    detain(shipment, reference="2025-2809-000001")
    return Shipment.objects.get(pk=shipment.pk)


@pytest.fixture
def admin_client(client, customs_admin):
    client.force_login(customs_admin)
    return client


@pytest.fixture
def clerk(make_user):
    """Staff who view the ledger in the admin but may not record events."""
    return make_user("clerk", roles.COMPLIANCE, is_staff=True)


def release_data(shipment, units_by_model, **extra):
    data = {f"units_{line_of(shipment, model).pk}": units for model, units in units_by_model.items()}
    return {"occurred_on": "2025-03-05", "reference": "", "note": "", **data, **extra}


def listed(response) -> list[str]:
    return sorted(shipment.entry_number for shipment in response.context["cl"].result_list)


# Release


def test_release_form_is_prefilled_with_the_units_in_custody_per_line(admin_client, shipment):
    detain(shipment, line=line_of(shipment, "Antminer S21"), units=30)
    response = admin_client.get(url("release", shipment))
    assert response.status_code == 200
    form = response.context["form"]
    assert form[f"units_{line_of(shipment, 'Antminer S21').pk}"].value() == 30
    assert form[f"units_{line_of(shipment, 'Whatsminer M60S').pk}"].value() == 0
    assert form["occurred_on"].value() == timezone.localdate()


def test_partial_release_is_recorded_with_exact_figures(admin_client, customs_admin, detained):
    data = release_data(
        detained, {"Antminer S21": 40, "Whatsminer M60S": 0}, reference="2025-2809-000001-R1", note="conditional"
    )
    response = admin_client.post(url("release", detained), data)
    assert response.status_code == 302
    assert response["Location"] == url("change", detained)
    detained.refresh_from_db()
    assert detained.status == ShipmentStatus.PARTIALLY_RELEASED
    assert (detained.units_in_custody, detained.units_released) == (110, 40)
    assert detained.value_in_custody_usd == Decimal("305000.00")  # 60 × 3000 + 50 × 2500
    release = ShipmentEvent.objects.get(kind=EventKind.RELEASED)
    assert (release.line, release.units, release.occurred_on) == (line_of(detained, "Antminer S21"), 40, D(2025, 3, 5))
    assert (release.reference, release.note, release.entered_by) == (
        "2025-2809-000001-R1",
        "conditional",
        customs_admin,
    )


def test_release_over_custody_is_refused_with_the_message_and_writes_nothing(admin_client, shipment):
    detain(shipment, line=line_of(shipment, "Antminer S21"), units=30)
    response = admin_client.post(url("release", shipment), release_data(shipment, {"Antminer S21": 31}))
    assert response.status_code == 200
    assert "ABC-1234567-8: releasing 31 units of Antminer S21, but only 30 are in custody" in response.content.decode()
    assert not ShipmentEvent.objects.filter(kind=EventKind.RELEASED).exists()
    assert Shipment.objects.get(pk=shipment.pk).units_in_custody == 30


def test_release_action_on_one_shipment_opens_the_release_form(admin_client, detained):
    data = {"action": "record_release", "_selected_action": [detained.pk], "index": 0}
    response = admin_client.post(reverse(CHANGELIST), data)
    assert response.status_code == 302
    assert response["Location"] == url("release", detained)


def test_release_action_on_several_shipments_is_refused_with_a_message(admin_client, detained):
    other = make_shipment(lines=[("Antminer S21", 5, "3000")])
    data = {"action": "record_release", "_selected_action": [detained.pk, other.pk], "index": 0}
    response = admin_client.post(reverse(CHANGELIST), data, follow=True)
    assert "Record release works on one shipment at a time: select exactly one." in response.content.decode()
    assert not ShipmentEvent.objects.filter(kind=EventKind.RELEASED).exists()


# Other events and voids


def test_record_event_seizes_units_of_one_line(admin_client, customs_admin, detained):
    s21 = line_of(detained, "Antminer S21")
    data = {
        "kind": EventKind.SEIZED,
        "occurred_on": "2025-01-15",
        "line": s21.pk,
        "units": 60,
        "reference": "2025-2809-000002",
        "legal_basis": "19 USC 1595a(c)(2)(A)",
        "note": "custody receipt CBP Form 6051S",
    }
    response = admin_client.post(url("record_event", detained), data)
    assert response.status_code == 302
    seizure = ShipmentEvent.objects.get(kind=EventKind.SEIZED)
    assert (seizure.line, seizure.units, seizure.legal_basis) == (s21, 60, "19 USC 1595a(c)(2)(A)")
    assert seizure.entered_by == customs_admin
    detained.refresh_from_db()
    assert detained.status == ShipmentStatus.SEIZED
    s21.refresh_from_db()
    assert s21.units_seized == 60


def test_record_event_with_empty_units_moves_every_unit_it_can(admin_client, shipment):
    data = {"kind": EventKind.DETAINED, "occurred_on": "2024-11-25", "line": "", "units": ""}
    assert admin_client.post(url("record_event", shipment), data).status_code == 302
    assert Shipment.objects.get(pk=shipment.pk).units_in_custody == 150


def test_record_event_refused_by_the_custody_rules_shows_the_message(admin_client, detained):
    data = {"kind": EventKind.SEIZURE_NOTICE, "occurred_on": "2025-02-01", "units": 5}
    response = admin_client.post(url("record_event", detained), data)
    assert response.status_code == 200
    assert "a notice of seizure event moves no units; leave units empty" in response.content.decode()
    assert ShipmentEvent.objects.count() == 1


def test_void_with_a_reason_cancels_the_event(admin_client, customs_admin, detained):
    release = services.shipment_release(
        shipment=detained, units_by_line={line_of(detained, "Antminer S21"): 40}, occurred_on=D(2025, 3, 5)
    )[0]
    response = admin_client.post(url("void", detained), {"event": release.pk, "reason": "wrong entry number"})
    assert response.status_code == 302
    void = ShipmentEvent.objects.get(kind=EventKind.VOID)
    assert (void.voids, void.note, void.entered_by) == (release, "wrong entry number", customs_admin)
    detained.refresh_from_db()
    assert (detained.units_in_custody, detained.units_released) == (150, 0)
    page = admin_client.get(url("change", detained)).content.decode()
    assert "<del>Released</del>" in page
    assert "wrong entry number" in page


def test_void_without_a_reason_is_refused(admin_client, detained):
    event = detained.events.get()
    response = admin_client.post(url("void", detained), {"event": event.pk, "reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert not ShipmentEvent.objects.filter(kind=EventKind.VOID).exists()


def test_void_form_preselects_the_event_of_the_timeline_link(admin_client, detained):
    event = detained.events.get()
    response = admin_client.get(url("void", detained), {"event": event.pk})
    assert response.context["form"]["event"].value() == str(event.pk)


# Permissions


def test_staff_without_record_event_sees_no_buttons_and_is_refused_the_event_pages(client, clerk, detained):
    client.force_login(clerk)
    page = client.get(url("change", detained))
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("release", "record_event", "void"):
        assert url(name, detained) not in body
        assert client.get(url(name, detained)).status_code == 403
    assert client.post(url("release", detained), release_data(detained, {"Antminer S21": 1})).status_code == 403
    assert "record_release" not in client.get(reverse(CHANGELIST)).content.decode()
    assert not ShipmentEvent.objects.filter(kind=EventKind.RELEASED).exists()


def test_holder_of_record_event_sees_the_buttons(admin_client, detained):
    body = admin_client.get(url("change", detained)).content.decode()
    for name in ("release", "record_event", "void"):
        assert url(name, detained) in body


def test_shipment_with_events_cannot_be_deleted(client, make_user, detained):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    assert client.get(url("delete", detained)).status_code == 403
    assert "delete_selected" not in client.get(reverse(CHANGELIST)).content.decode()


def test_events_admin_is_read_only(client, make_user, detained):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    event = detained.events.get()
    change = reverse("admin:seizures_shipmentevent_change", args=[event.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"note": "edited"}).status_code == 403
    assert client.get(reverse("admin:seizures_shipmentevent_add")).status_code == 403
    assert client.get(reverse("admin:seizures_shipmentevent_delete", args=[event.pk])).status_code == 403
    found = client.get(reverse("admin:seizures_shipmentevent_changelist"), {"q": "2025-2809-000001"})
    assert [row.pk for row in found.context["cl"].result_list] == [event.pk]


# Shipment change page and lines


def management(prefix, total, initial):
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def test_shipment_added_in_the_admin_gets_its_totals_from_its_lines(admin_client):
    data = {
        "entry_number": "xyz 7654321 0",
        "importer": ImporterFactory().pk,
        "port": Port.objects.get(code="3801").pk,
        "arrived_on": "2024-12-01",
        "bill_of_lading": "",
        "notes": "",
        **management("lines", 1, 0),
        "lines-0-miner_model": MinerModel.objects.get(name="Avalon A1466").pk,
        "lines-0-units": 12,
        "lines-0-unit_value_usd": "2100.00",
    }
    response = admin_client.post(reverse("admin:seizures_shipment_add"), data)
    assert response.status_code == 302
    shipment = Shipment.objects.get(entry_number="XYZ-7654321-0")
    assert (shipment.units_total, shipment.status) == (12, ShipmentStatus.RECORDED)
    assert shipment.history.get().history_user.username == "customs"


def test_a_shipment_worth_more_than_the_ledger_can_hold_is_refused(admin_client):
    data = {
        "entry_number": "XYZ-7654321-0",
        "importer": ImporterFactory().pk,
        "port": Port.objects.get(code="3801").pk,
        "arrived_on": "2024-12-01",
        **management("lines", 1, 0),
        "lines-0-miner_model": MinerModel.objects.get(name="Avalon A1466").pk,
        "lines-0-units": 2_000_000_000,
        "lines-0-unit_value_usd": "9999.99",
    }
    response = admin_client.post(reverse("admin:seizures_shipment_add"), data)
    assert response.status_code == 200
    assert "These lines come to 19,999,980,000,000.00 USD; a shipment holds less than 1,000,000,000,000." in (
        response.content.decode()
    )
    assert not Shipment.objects.filter(entry_number="XYZ-7654321-0").exists()


def test_lines_are_read_only_once_the_shipment_has_events(admin_client, detained):
    s21 = line_of(detained, "Antminer S21")
    page = admin_client.get(url("change", detained))
    inline = page.context["inline_admin_formsets"][0]
    assert (inline.has_add_permission, inline.has_change_permission, inline.has_delete_permission) == (False,) * 3
    data = {
        "entry_number": detained.entry_number,
        "importer": detained.importer_id,
        "port": detained.port_id,
        "arrived_on": "2024-11-20",
        "notes": "checked",
        **management("lines", 2, 2),
        "lines-0-id": s21.pk,
        "lines-0-shipment": detained.pk,
        "lines-0-units": 999,
        "lines-1-id": line_of(detained, "Whatsminer M60S").pk,
        "lines-1-shipment": detained.pk,
    }
    assert admin_client.post(url("change", detained), data).status_code == 302
    s21.refresh_from_db()
    detained.refresh_from_db()
    assert (s21.units, detained.units_total, detained.notes) == (100, 150, "checked")


def test_arrival_cannot_move_after_the_first_event(admin_client, detained):
    data = {
        "entry_number": detained.entry_number,
        "importer": detained.importer_id,
        "port": detained.port_id,
        "arrived_on": "2024-12-01",
        **management("lines", 0, 0),
    }
    response = admin_client.post(url("change", detained), data)
    assert response.status_code == 200
    assert "The shipment has an event dated 2024-11-25" in response.content.decode()
    assert Shipment.objects.get(pk=detained.pk).arrived_on == D(2024, 11, 20)


def test_change_page_shows_the_timeline(admin_client, detained):
    body = admin_client.get(url("change", detained)).content.decode()
    assert 'id="timeline"' in body
    assert "2025-2809-000001" in body
    assert "all lines" in body


# Changelist: filters, searches, query count


@pytest.fixture
def ledger():
    """Three shipments: Bitmain at San Francisco, MicroBT at Detroit, and two Bitmain lines at San Francisco."""
    sf, detroit = Port.objects.get(code="2809"), Port.objects.get(code="3801")
    bitmain = make_shipment(
        entry_number="AAA-0000001-1",
        port=sf,
        importer=ImporterFactory(name="Red Hash LLC"),
        lines=[("Antminer S21", 10, "3000")],
    )
    microbt = make_shipment(
        entry_number="BBB-0000002-2",
        port=detroit,
        importer=ImporterFactory(name="Blue Rigs Inc"),
        lines=[("Whatsminer M60S", 20, "2500")],
    )
    both = make_shipment(
        entry_number="CCC-0000003-3",
        port=sf,
        importer=ImporterFactory(name="Red Mining Corp"),
        lines=[("Antminer S21", 5, "3000"), ("Antminer T21", 5, "2800"), ("Whatsminer M60S", 5, "2500")],
    )
    detain(bitmain, reference="FPF-1")
    # Two events with one reference: the search must still list the shipment once.
    detain(both, line=line_of(both, "Antminer S21"), reference="FPF-3")
    detain(both, line=line_of(both, "Antminer T21"), reference="FPF-3")
    return {"bitmain": bitmain, "microbt": microbt, "both": both}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "detained"}, ["AAA-0000001-1", "CCC-0000003-3"]),
        ({"status__exact": "recorded"}, ["BBB-0000002-2"]),
        ({"manufacturer": "Bitmain"}, ["AAA-0000001-1", "CCC-0000003-3"]),
        ({"manufacturer": "MicroBT"}, ["BBB-0000002-2", "CCC-0000003-3"]),
        ({"manufacturer": "Canaan"}, []),
        ({"port__id__exact": "3801"}, ["BBB-0000002-2"]),
        ({"port__id__exact": "2809", "manufacturer": "MicroBT"}, ["CCC-0000003-3"]),
    ],
)
def test_changelist_filters_return_the_exact_rows(admin_client, ledger, query, expected):
    query = dict(query)
    if "manufacturer" in query:
        query["manufacturer"] = Manufacturer.objects.get(name=query["manufacturer"]).pk
    if "port__id__exact" in query:
        query["port__id__exact"] = Port.objects.get(code=query["port__id__exact"]).pk
    response = admin_client.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    assert listed(response) == expected


@pytest.mark.parametrize("value", ["²", "9" * 20, "0"])
def test_changelist_manufacturer_filter_naming_no_manufacturer_lists_nothing(admin_client, ledger, value):
    # "²" passed isdigit() and failed int(); twenty digits overflowed SQLite's integers: both were a 500.
    response = admin_client.get(reverse(CHANGELIST), {"manufacturer": value})
    assert response.status_code == 200
    assert listed(response) == []


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("BBB-0000002", ["BBB-0000002-2"]),
        ("aaa-0000001-1", ["AAA-0000001-1"]),
        ("red", ["AAA-0000001-1", "CCC-0000003-3"]),
        ("Blue Rigs", ["BBB-0000002-2"]),
        ("FPF-3", ["CCC-0000003-3"]),
        ("FPF-1", ["AAA-0000001-1"]),
        ("FPF", ["AAA-0000001-1", "CCC-0000003-3"]),  # part of a reference matches, as on /shipments/
    ],
)
def test_changelist_search_returns_the_exact_rows(admin_client, ledger, term, expected):
    response = admin_client.get(reverse(CHANGELIST), {"q": term})
    assert response.status_code == 200
    assert listed(response) == expected


def _make_detained_shipments(count):
    for _ in range(count):
        detain(make_shipment(lines=[("Antminer S21", 3, "3000"), ("Whatsminer M60S", 2, "2500")]))


def test_changelist_query_count_does_not_grow_with_the_rows(admin_client, django_assert_max_num_queries):
    _make_detained_shipments(5)
    admin_client.get(reverse(CHANGELIST))  # warm the per-process caches (content types, …)
    with CaptureQueriesContext(connection) as five:
        response = admin_client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 5
    _make_detained_shipments(55)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = admin_client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 60


@pytest.mark.services
def test_unfiltered_changelist_counts_with_the_planner_estimate_on_postgresql(postgres, admin_client):
    _make_detained_shipments(3)
    with connection.cursor() as cursor:
        # What ANALYZE would store for a million rows; a plain UPDATE, so the test's rollback undoes it.
        cursor.execute("UPDATE pg_class SET reltuples = 1000000 WHERE oid = 'seizures_shipment'::regclass")
    with CaptureQueriesContext(connection) as queries:
        unfiltered = admin_client.get(reverse(CHANGELIST))
    assert unfiltered.context["cl"].result_count == 1_000_000
    assert not [query for query in queries.captured_queries if "COUNT(" in query["sql"]]
    filtered = admin_client.get(reverse(CHANGELIST), {"status__exact": "detained"})
    assert filtered.context["cl"].result_count == 3


# Reference data


def test_reference_data_edit_in_the_admin_is_recorded_in_its_history(admin_client, customs_admin):
    port = Port.objects.get(code="3801")
    before = port.history.count()
    change = reverse("admin:seizures_port_change", args=[port.pk])
    data = {"code": "3801", "name": "Detroit, Michigan", "state": "MI", "source": port.source}
    assert admin_client.post(change, data).status_code == 302
    assert port.history.count() == before + 1
    latest = port.history.latest()
    assert (latest.name, latest.history_user) == ("Detroit, Michigan", customs_admin)
