import datetime

import pytest

from seizures import services
from seizures.models import EventKind
from tests.factories import make_shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def detained_shipment():
    shipment = make_shipment(entry_number="ABC-1234567-8", lines=[("Antminer S21", 10, "3000")])
    services.shipment_record_event(
        shipment=shipment,
        kind=EventKind.DETAINED,
        occurred_on=datetime.date(2024, 11, 25),
        reference="2025-2809-000001",
        legal_basis="19 USC 1595a(c)(2)(A)",
    )
    return shipment


def test_list_shows_the_shipment_with_its_custody_figures(client, compliance_user, detained_shipment):
    client.force_login(compliance_user)
    response = client.get("/shipments/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "ABC-1234567-8" in body
    assert "30,000.00" in body  # 10 units × $3,000 in custody


def test_detail_shows_the_timeline_with_voided_events_struck_through(client, compliance_user, detained_shipment):
    released = services.shipment_record_event(
        shipment=detained_shipment, kind=EventKind.RELEASED, occurred_on=datetime.date(2025, 3, 5), units=4
    )
    services.event_void(event=released, reason="release was for another entry")
    client.force_login(compliance_user)
    response = client.get("/shipments/ABC-1234567-8/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "19 USC 1595a(c)(2)(A)" in body
    assert 'class="voided"' in body
    assert "void: release was for another entry" in body


def test_unknown_entry_number_is_404(client, compliance_user):
    client.force_login(compliance_user)
    assert client.get("/shipments/XYZ-0000000-0/").status_code == 404


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/shipments/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/shipments/")


def test_user_without_a_role_is_refused(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get("/shipments/").status_code == 403


def test_detail_shows_header_lines_and_custody_figures(client, compliance_user, detained_shipment):
    client.force_login(compliance_user)
    response = client.get("/shipments/ABC-1234567-8/")
    body = " ".join(response.content.decode().split())
    assert "10 of 10 units, $30,000.00 declared, 2,000 TH/s" in body
    assert "2024-11-25" in body  # first detained
    assert "Record events in the admin" not in body  # compliance may not record events


def test_detail_links_customs_admins_to_the_admin(client, customs_admin, detained_shipment):
    client.force_login(customs_admin)
    body = client.get("/shipments/ABC-1234567-8/").content.decode()
    assert f"/admin/seizures/shipment/{detained_shipment.pk}/change/" in body
