from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from seizures.imports.shipments import COLUMNS
from seizures.models import Shipment, ShipmentEvent

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
SHIPMENTS_URL = "/admin/seizures/import/shipments/"
EVENTS_URL = "/admin/seizures/import/events/"


def upload(client, url, path_or_bytes, *, dry_run=False):
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    form = {"file": SimpleUploadedFile("upload.csv", data, content_type="text/csv")}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(url, form)


def test_urls_are_named():
    assert reverse("seizures_import:import_shipments") == SHIPMENTS_URL
    assert reverse("seizures_import:import_events") == EVENTS_URL


@pytest.mark.parametrize("url", [SHIPMENTS_URL, EVENTS_URL])
def test_customs_admin_sees_the_upload_form(client, customs_admin, url):
    client.force_login(customs_admin)

    response = client.get(url)

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b'name="dry_run"' in response.content


def test_customs_admin_imports_shipments_then_events_recorded_as_theirs(client, customs_admin):
    client.force_login(customs_admin)

    response = upload(client, SHIPMENTS_URL, DATA / "shipments.csv")
    assert response.status_code == 200
    assert b"created 2 shipments (3 lines), 0 unchanged; 2 new importers" in response.content
    assert Shipment.objects.count() == 2
    assert Shipment.history.filter(history_user=customs_admin).count() == 2

    response = upload(client, EVENTS_URL, DATA / "events.csv")
    assert b"recorded 3 events on 2 shipments, 0 already recorded" in response.content
    assert ShipmentEvent.objects.filter(entered_by=customs_admin).count() == 3


def test_dry_run_upload_writes_nothing(client, customs_admin):
    client.force_login(customs_admin)

    response = upload(client, SHIPMENTS_URL, DATA / "shipments.csv", dry_run=True)

    assert b"dry run: would create 2 shipments (3 lines)" in response.content
    assert not Shipment.objects.exists()


def test_upload_shows_every_error_and_writes_nothing(client, customs_admin):
    client.force_login(customs_admin)
    data = "\n".join(
        [
            ",".join(COLUMNS),
            "ABC-1234567-8,Acme,2810,2024-11-20,Bitmain,Antminer S21,1,10,",
            "XYZ-7654321-0,Acme,2809,2024-11-20,Bitmain,Antminer S12,0,10,",
        ]
    ).encode()

    response = upload(client, SHIPMENTS_URL, data)

    content = response.content.decode()
    assert "3 errors in the file; nothing was imported" in content
    for error in [
        "line 2, port_code: unknown port code '2810'; the closest known is 2809 (San Francisco)",
        "line 3, model: unknown model 'Antminer S12'; the closest known is 'Antminer S21'",
        "line 3, units: units must be a positive whole number, not 0",
    ]:
        assert escape(error) in content
    assert not Shipment.objects.exists()


def test_upload_without_a_file_asks_for_one(client, customs_admin):
    client.force_login(customs_admin)

    response = client.post(SHIPMENTS_URL, {})

    assert response.status_code == 200
    assert b"This field is required." in response.content


@pytest.mark.parametrize("url", [SHIPMENTS_URL, EVENTS_URL])
def test_staff_without_the_import_permission_is_refused(client, compliance_user, url):
    compliance_user.is_staff = True
    compliance_user.save()
    client.force_login(compliance_user)

    assert client.get(url).status_code == 403
    assert upload(client, url, DATA / "shipments.csv").status_code == 403
    assert not Shipment.objects.exists()


def test_non_staff_is_sent_to_the_admin_login(client, compliance_user):
    client.force_login(compliance_user)

    response = client.get(SHIPMENTS_URL)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_shipment_changelist_links_to_the_imports_for_those_who_may_import(client, customs_admin, make_user):
    client.force_login(customs_admin)
    body = client.get("/admin/seizures/shipment/").content.decode()
    assert "/admin/seizures/import/shipments/" in body
    assert "/admin/seizures/import/events/" in body
    viewer = make_user("viewer", "Compliance", is_staff=True)
    client.force_login(viewer)
    assert "/admin/seizures/import/shipments/" not in client.get("/admin/seizures/shipment/").content.decode()
