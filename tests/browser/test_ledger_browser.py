"""A compliance officer in a real browser: filter the ledger, open a shipment, download the CSV."""

import csv
import datetime
import io

import pytest

from seizures import roles, services
from seizures.models import EventKind, Port
from tests.factories import ImporterFactory, make_shipment

D = datetime.date


@pytest.fixture
def browser_ledger(reference_data):
    la, sf = Port.objects.get(code="2704"), Port.objects.get(code="2809")
    held = make_shipment(
        entry_number="ABC-0000001-1",
        importer=ImporterFactory(name="Alpha Mining LLC"),
        port=la,
        lines=[("Antminer S21", 100, "3000"), ("Avalon A1466", 10, "1000")],
    )
    services.shipment_record_event(
        shipment=held, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25), reference="2025-2704-000001"
    )
    services.shipment_release(
        shipment=held,
        units_by_line={held.lines.get(miner_model__name="Antminer S21"): 30},
        occurred_on=D(2025, 3, 5),
        note="partial release on conditions",
    )
    other = make_shipment(entry_number="BCD-0000002-2", port=sf, lines=[("Whatsminer M60S", 5, "2500")])
    services.shipment_record_event(shipment=other, kind=EventKind.DETAINED, occurred_on=D(2025, 1, 10))


@pytest.mark.django_db(transaction=True)
def test_filter_open_and_export_in_a_browser(live_server, page, make_user, browser_ledger):
    make_user("officer", roles.COMPLIANCE, password="officer-test-password-1")
    page.goto(f"{live_server.url}/shipments/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", "officer-test-password-1")
    page.click("button[type=submit]")
    page.wait_for_url("**/shipments/")
    assert page.locator("table.ledger tbody tr").count() == 2

    page.select_option("#id_port", "2704")
    page.click("text=Apply filters")
    page.wait_for_url("**/shipments/?*port=2704*")
    rows = page.locator("table.ledger tbody tr")
    assert rows.count() == 1
    assert "ABC-0000001-1" in rows.first.inner_text()
    assert page.locator(".totals").inner_text().split("\n")[:4] == ["1", "shipments", "80", "units in custody"]

    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    download = download_info.value
    assert download.suggested_filename.startswith("hashport-shipments-")
    with open(download.path(), encoding="utf-8") as exported_file:
        exported = list(csv.DictReader(io.StringIO(exported_file.read())))
    assert [(row["entry_number"], row["model"], row["units_in_custody"]) for row in exported] == [
        ("ABC-0000001-1", "Antminer S21", "70"),
        ("ABC-0000001-1", "Avalon A1466", "10"),
    ]

    page.click("text=ABC-0000001-1")
    page.wait_for_url("**/shipments/ABC-0000001-1/")
    timeline = page.locator("table.timeline").inner_text()
    assert "2025-2704-000001" in timeline
    assert "partial release on conditions" in timeline
