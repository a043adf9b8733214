"""/shipments/export.csv: same filters as the list, one row per line item, streamed, spreadsheet-safe."""

import csv
import datetime
import io

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from seizures import services
from seizures.exports import EXPORT_COLUMNS
from seizures.models import EventKind, Port
from tests.factories import ImporterFactory, make_shipment

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ledger():
    two_lines = make_shipment(
        entry_number="ABC-0000001-1",
        importer=ImporterFactory(name="Alpha Mining LLC"),
        port=Port.objects.get(code="2704"),
        lines=[("Antminer S21", 100, "3000.00"), ("Avalon A1466", 20, "1000.50")],
        notes="two lines",
    )
    services.shipment_record_event(shipment=two_lines, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    line = two_lines.lines.get(miner_model__name="Antminer S21")
    services.shipment_release(shipment=two_lines, units_by_line={line: 40}, occurred_on=D(2025, 3, 5))
    make_shipment(
        entry_number="BCD-0000002-2",
        importer=ImporterFactory(name='=HYPERLINK("http://evil")'),
        lines=[("Whatsminer M60S", 5, "2500")],
        notes="@SUM(A1:A9) and -1+1",
    )


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_export_streams_one_row_per_line_item_with_the_shipment_columns(client, compliance_user, ledger):
    client.force_login(compliance_user)
    response = client.get("/shipments/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="hashport-shipments-{today:%Y-%m-%d}.csv"'
    rows = read_csv(response)
    assert list(rows[0].keys()) == EXPORT_COLUMNS
    s21, a1466 = rows[0], rows[1]
    assert s21 == {
        "entry_number": "ABC-0000001-1",
        "importer": "Alpha Mining LLC",
        "port_code": "2704",
        "arrived_on": "2024-11-20",
        "manufacturer": "Bitmain",
        "model": "Antminer S21",
        "units": "100",
        "unit_value_usd": "3000.00",
        "notes": "two lines",
        "status": "partially_released",
        "first_detained_on": "2024-11-25",
        "units_in_custody": "60",
        "units_released": "40",
        "units_forfeited": "0",
        "value_in_custody_usd": "180000.00",
        "hashrate_in_custody_ths": "12000.00",
        "days_in_custody": str((today - D(2024, 11, 25)).days),
    }
    assert (a1466["model"], a1466["units_in_custody"], a1466["value_in_custody_usd"]) == (
        "Avalon A1466",
        "20",
        "20010.00",
    )
    assert a1466["status"] == "partially_released"  # the shipment's columns repeat on every line
    assert len(rows) == 3


def test_cells_a_spreadsheet_would_run_are_escaped(client, compliance_user, ledger):
    client.force_login(compliance_user)
    rows = read_csv(client.get("/shipments/export.csv?q=BCD"))
    assert rows[0]["importer"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["notes"] == "'@SUM(A1:A9) and -1+1"
    assert rows[0]["first_detained_on"] == ""  # never detained


def test_export_applies_the_list_filters(client, compliance_user, ledger):
    client.force_login(compliance_user)
    rows = read_csv(client.get("/shipments/export.csv?status=partially_released&model=Avalon+A1466"))
    assert [(row["entry_number"], row["model"]) for row in rows] == [
        ("ABC-0000001-1", "Antminer S21"),
        ("ABC-0000001-1", "Avalon A1466"),
    ]


def test_export_streams_in_chunks(client, compliance_user, monkeypatch):
    from seizures import exports

    monkeypatch.setattr(exports, "CHUNK_ROWS", 3)  # the Python writer (SQLite)
    monkeypatch.setattr(exports, "COPY_BLOCK_BYTES", 200)  # the COPY stream (PostgreSQL)
    for n in range(7):
        make_shipment(entry_number=f"CHK-{n:07d}-0", lines=[("Antminer S21", 1, "1")])
    client.force_login(compliance_user)
    chunks = list(client.get("/shipments/export.csv").streaming_content)
    assert len(chunks) >= 4  # the header, then the rows in several pieces
    assert sum(chunk.count(b"\n") for chunk in chunks) == 8


@pytest.mark.parametrize(
    ("user_fixture", "status"), [("executive_user", 403), ("compliance_user", 200), ("customs_admin", 200)]
)
def test_export_needs_the_export_permission(client, request, user_fixture, status):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get("/shipments/export.csv").status_code == status


def test_executive_given_the_permission_may_export(client, executive_user):
    from django.contrib.auth.models import Permission

    executive_user.user_permissions.add(Permission.objects.get(codename="export_shipments"))
    client.force_login(executive_user)
    assert client.get("/shipments/export.csv").status_code == 200


def test_anonymous_export_goes_to_login(client):
    response = client.get("/shipments/export.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_export_re_imports_cleanly(client, compliance_user, ledger, tmp_path):
    from django.core.management import call_command

    client.force_login(compliance_user)
    response = client.get("/shipments/export.csv")
    exported = tmp_path / "export.csv"
    exported.write_bytes(b"".join(response.streaming_content))
    out = io.StringIO()
    call_command("import_shipments", str(exported), stdout=out, stderr=io.StringIO())
    assert "all 2 shipments in the file are already in the ledger, unchanged" in out.getvalue()


def test_postgresql_copy_writes_exactly_what_the_python_writer_writes(postgres, ledger):
    from django.utils import timezone

    from seizures import exports
    from seizures.filtersets import default_ordering
    from seizures.models import Shipment

    shipments = default_ordering(Shipment.objects.all())
    today = timezone.localdate()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(exports._csv_rows(list(exports.export_rows(shipments)), today))
    copied = b"".join(exports._postgresql_copy_chunks(shipments, today)).decode()
    assert copied == buffer.getvalue()
    assert "'=HYPERLINK" in copied
