import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from seizures.deadlines.services import shipment_deadlines_derive
from seizures.imports import shipments_import
from seizures.imports.shipments import COLUMNS, EXPORT_COLUMNS
from seizures.models import Deadline, Importer, Shipment, ShipmentLine, ShipmentStatus
from seizures.signals import ledger_changed
from tests.factories import make_shipment

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows, ""]).encode()


def import_rows(*rows: str, **kwargs):
    return shipments_import(data=csv_bytes(*rows), **kwargs)


def error_lines(result) -> list[str]:
    return [str(error) for error in result.errors]


GOOD = (
    "ABC-1234567-8,Acme Mining LLC,2809,2024-11-20,Bitmain,Antminer S21,100,3000.00,first hold",
    "ABC-1234567-8,Acme Mining LLC,2809,2024-11-20,MicroBT,Whatsminer M60S,50,2500,first hold",
    "XYZ-7654321-0,Beta Hash Inc,3801,2024-12-01,Bitmain,Antminer T21,10,1999.99,",
)


def test_good_multi_line_file_creates_shipments_lines_and_importers_with_exact_figures():
    result = import_rows(*GOOD)

    assert result.ok
    assert result.summary == "created 2 shipments (3 lines), 0 unchanged; 2 new importers"
    assert result.counts == {
        "rows": 3,
        "shipments_created": 2,
        "lines_created": 3,
        "shipments_unchanged": 0,
        "importers_created": 2,
    }
    shipment = Shipment.objects.get(entry_number="ABC-1234567-8")
    assert (shipment.importer.name, shipment.port.code, shipment.arrived_on) == (
        "Acme Mining LLC",
        "2809",
        datetime.date(2024, 11, 20),
    )
    assert shipment.notes == "first hold"
    assert shipment.status == ShipmentStatus.RECORDED
    assert (shipment.units_total, shipment.units_in_custody, shipment.value_in_custody_usd) == (150, 0, 0)
    lines = {line.miner_model.name: (line.units, line.unit_value_usd) for line in shipment.lines.all()}
    assert lines == {"Antminer S21": (100, Decimal("3000.00")), "Whatsminer M60S": (50, Decimal("2500.00"))}
    assert Shipment.objects.get(entry_number="XYZ-7654321-0").units_total == 10
    assert sorted(Importer.objects.values_list("name", flat=True)) == ["Acme Mining LLC", "Beta Hash Inc"]


def test_imported_shipments_get_their_arrival_deadlines_at_once():
    import_rows(*GOOD)

    shipment = Shipment.objects.get(entry_number="ABC-1234567-8")
    # Arrived Wednesday 20 November 2024: five business days later is the Wednesday before Thanksgiving.
    assert list(shipment.deadlines.values_list("rule__code", "due_on", "status")) == [
        ("detention-decision", datetime.date(2024, 11, 27), "open")
    ]
    assert shipment.next_deadline_on == datetime.date(2024, 11, 27)


def test_a_large_import_stores_the_same_deadlines_as_deriving_each_shipment():
    # Past 50 rows PostgreSQL writes them with COPY: the bulk path must agree with the per-shipment service.
    rows = [
        f"ABC-{number:07d}-0,Acme Mining LLC,2809,2024-{1 + number % 12:02d}-{1 + number % 28:02d},"
        "Bitmain,Antminer S21,10,3000,"
        for number in range(1, 81)
    ]
    assert import_rows(*rows).ok
    stored = set(Deadline.objects.values_list("shipment_id", "rule_id", "starts_on", "due_on", "status"))
    next_dates = dict(Shipment.objects.values_list("pk", "next_deadline_on"))

    for shipment in Shipment.objects.all():
        shipment_deadlines_derive(shipment=shipment)
    assert set(Deadline.objects.values_list("shipment_id", "rule_id", "starts_on", "due_on", "status")) == stored
    assert dict(Shipment.objects.values_list("pk", "next_deadline_on")) == next_dates
    assert len(stored) == 80


def test_imported_rows_keep_their_audit_history_with_the_importing_user(customs_admin):
    import_rows(*GOOD, user=customs_admin)

    shipment = Shipment.objects.get(entry_number="ABC-1234567-8")
    created = shipment.history.get()
    assert (created.history_type, created.history_user, created.entry_number) == ("+", customs_admin, "ABC-1234567-8")
    assert ShipmentLine.history.filter(shipment_id=shipment.pk, history_type="+").count() == 2
    assert Importer.history.filter(name="Beta Hash Inc", history_user=customs_admin).count() == 1


def test_import_announces_the_ledger_change_after_commit(django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, **kwargs):
        received.append(sender)

    ledger_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            import_rows(*GOOD)
    finally:
        ledger_changed.disconnect(receiver)
    assert received == [Shipment]


def test_existing_importer_is_reused_and_names_are_tidied():
    Importer.objects.create(name="Acme Mining LLC")
    result = import_rows("abc1234567 8,  Acme   Mining LLC ,2809,2024-11-20,bitmain,antminer s21,5,10,")

    assert result.summary == "created 1 shipment (1 line), 0 unchanged"
    shipment = Shipment.objects.get()
    assert shipment.entry_number == "ABC-1234567-8"
    assert shipment.importer.name == "Acme Mining LLC"
    assert shipment.lines.get().miner_model.name == "Antminer S21"
    assert Importer.objects.count() == 1


def test_dry_run_reports_what_would_happen_and_writes_nothing():
    result = import_rows(*GOOD, dry_run=True)

    assert result.ok
    assert result.summary == (
        "dry run: would create 2 shipments (3 lines), 0 unchanged; 2 new importers; nothing was written"
    )
    assert not Shipment.objects.exists()
    assert not Importer.objects.exists()


def test_reimporting_the_same_file_changes_nothing_and_says_so():
    import_rows(*GOOD)
    history_before = Shipment.history.count()

    result = import_rows(*GOOD)

    assert result.ok
    assert result.summary == "nothing to import: all 2 shipments in the file are already in the ledger, unchanged"
    assert result.counts["shipments_unchanged"] == 2
    assert Shipment.objects.count() == 2
    assert ShipmentLine.objects.count() == 3
    assert Shipment.history.count() == history_before


def test_file_mixing_recorded_and_new_shipments_creates_only_the_new_ones():
    import_rows(GOOD[0], GOOD[1])

    result = import_rows(*GOOD)

    assert result.summary == "created 1 shipment (1 line), 1 unchanged; 1 new importer"


def test_export_columns_are_accepted_and_ignored():
    header = ",".join([*COLUMNS, *EXPORT_COLUMNS])
    row = GOOD[2] + ",detained,2024-12-02,10,0,0,19999.90,1900.00,12"

    result = shipments_import(data=csv_bytes(row, header=header))

    assert result.summary == "created 1 shipment (1 line), 0 unchanged; 1 new importer"
    assert Shipment.objects.get().status == ShipmentStatus.RECORDED


def test_byte_order_mark_and_windows_line_endings_are_accepted():
    data = b"\xef\xbb\xbf" + csv_bytes(*GOOD).replace(b"\n", b"\r\n")

    assert shipments_import(data=data).summary == "created 2 shipments (3 lines), 0 unchanged; 2 new importers"


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S12,1,10,",
            "line 2, model: unknown model 'Antminer S12'; the closest known is 'Antminer S21'",
        ),
        (
            "ABC-1234567-8,Acme,2810,2024-11-20,Bitmain,Antminer S21,1,10,",
            "line 2, port_code: unknown port code '2810'; the closest known is 2809 (San Francisco)",
        ),
        (
            "ABC-1234567-8,Acme,Detroit,2024-11-20,Bitmain,Antminer S21,1,10,",
            "line 2, port_code: unknown port code 'Detroit'; the closest known is 3801 (Detroit)",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,MicroBT,Antminer S21,1,10,",
            "line 2, manufacturer: Antminer S21 is made by Bitmain, not MicroBT",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmian,Antminer S21,1,10,",
            "line 2, manufacturer: unknown manufacturer 'Bitmian'; the closest known is 'Bitmain'; "
            "Antminer S21 is made by Bitmain",
        ),
        (
            "ABC-1234567-8,Acme,2809,11/20/2024,Bitmain,Antminer S21,1,10,",
            "line 2, arrived_on: '11/20/2024' is not a date: use ISO 8601, YYYY-MM-DD (e.g. 2024-11-25)",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-02-30,Bitmain,Antminer S21,1,10,",
            "line 2, arrived_on: '2024-02-30' is not a date: day is out of range for month",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,0,10,",
            "line 2, units: units must be a positive whole number, not 0",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,-5,10,",
            "line 2, units: units must be a positive whole number, not -5",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,2.5,10,",
            "line 2, units: '2.5' is not a whole number of units",
        ),
        (
            'ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,"3000,50",',
            "line 2, unit_value_usd: '3000,50' is not an amount in USD: digits with a dot for decimals, "
            "no currency sign or thousands separator (e.g. 3250.50)",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,$3000,",
            "line 2, unit_value_usd: '$3000' is not an amount in USD: digits with a dot for decimals, "
            "no currency sign or thousands separator (e.g. 3250.50)",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,3000.505,",
            "line 2, unit_value_usd: '3000.505' has 3 decimal places; use at most 2 (cents)",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,-3000,",
            "line 2, unit_value_usd: '-3000' is negative; a declared value cannot be below 0",
        ),
        (
            "AB-123,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,10,",
            "line 2, entry_number: 'AB-123' is not a CBP entry number: expected a 3-character filer code, "
            "7 digits and a check digit, like ABC-1234567-8",
        ),
        (
            "ABC-1234567-8,,2809,2024-11-20,Bitmain,Antminer S21,1,10,",
            "line 2, importer: required, but empty",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,10",
            "line 2, row: expected 9 fields, found 8",
        ),
        # Each of these crashed the import on PostgreSQL (a traceback in the command, a 500 in the admin).
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,10,first\x00hold",
            "line 2, notes: contains a NUL character (0x00); remove it",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,2147483648,10,",
            "line 2, units: 2,147,483,648 units are more than the ledger can hold (at most 2,147,483,647)",
        ),
        (
            f"ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,{'9' * 5000},10,",
            f"line 2, units: {'9' * 30!r} is not a number of units the ledger can hold (1 to 2,147,483,647)",
        ),
        (
            "ABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,2000000000,9999.99,",
            "line 2, unit_value_usd: ABC-1234567-8 has 19,999,980,000,000.00 USD in all; the ledger holds less "
            "than 1,000,000,000,000 per shipment",
        ),
    ],
)
def test_a_bad_value_is_reported_on_its_line_and_column_and_nothing_is_written(row, error):
    result = import_rows(GOOD[2], row)

    assert error_lines(result) == [error.replace("line 2,", "line 3,")]
    assert result.summary == ""
    assert not Shipment.objects.exists()
    assert not Importer.objects.exists()


def test_arrival_in_the_future_is_refused():
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)

    result = import_rows(f"ABC-1234567-8,Acme,2809,{tomorrow:%Y-%m-%d},Bitmain,Antminer S21,1,10,")

    assert error_lines(result) == [
        f"line 2, arrived_on: arrival date {tomorrow:%Y-%m-%d} is in the future (today is {today:%Y-%m-%d})"
    ]


def test_every_bad_row_is_reported_by_the_physical_line_it_starts_on():
    result = import_rows(
        GOOD[0],
        'XYZ-7654321-0,Beta Hash Inc,3801,2024-12-01,Bitmain,Antminer T21,10,1999.99,"a note\nover two lines"',
        "QQQ-1111111-1,Acme,2809,2024-11-20,Bitmain,Antminer S12,0,10,",
        "RRR-2222222-2,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,1.001,",
    )

    assert error_lines(result) == [
        "line 5, model: unknown model 'Antminer S12'; the closest known is 'Antminer S21'",
        "line 5, units: units must be a positive whole number, not 0",
        "line 6, unit_value_usd: '1.001' has 3 decimal places; use at most 2 (cents)",
    ]
    assert result.error_summary() == "3 errors in the file; nothing was imported"
    assert not Shipment.objects.exists()


def test_same_model_twice_on_one_entry_number_is_a_duplicate():
    result = import_rows(GOOD[0], GOOD[1], GOOD[0].replace(",100,", ",5,"))

    assert error_lines(result) == [
        "line 4, model: Antminer S21 appears twice on ABC-1234567-8 (also on line 2); put its units on one row"
    ]
    assert not Shipment.objects.exists()


def test_rows_of_one_entry_number_must_agree_on_importer_port_and_arrival():
    result = import_rows(
        GOOD[0],
        "ABC-1234567-8,Other LLC,3801,2024-11-21,MicroBT,Whatsminer M60S,50,2500,",
    )

    rest = "rows of one entry number form one shipment and must agree"
    assert error_lines(result) == [
        f"line 3, importer: ABC-1234567-8 has importer 'Acme Mining LLC' on line 2 but 'Other LLC' here; {rest}",
        f"line 3, port_code: ABC-1234567-8 has port code '2809' on line 2 but '3801' here; {rest}",
        f"line 3, arrived_on: ABC-1234567-8 has arrival date '2024-11-20' on line 2 but '2024-11-21' here; {rest}",
    ]


def test_entry_number_already_recorded_with_different_content_is_refused():
    make_shipment(
        entry_number="ABC-1234567-8",
        importer=Importer.objects.create(name="Acme Mining LLC"),
        lines=[("Antminer S21", 100, "3000.00"), ("Avalon A1466", 20, "1500.00")],
        notes="first hold",
    )

    result = import_rows(GOOD[0].replace(",100,", ",120,"), GOOD[1])

    never = "an import never changes a recorded shipment (edit it in the admin)"
    assert error_lines(result) == [
        "line 2, units: ABC-1234567-8 is already in the ledger with 100 units of Antminer S21, not 120",
        f"line 2, model: ABC-1234567-8 is already in the ledger with a line of Avalon A1466 that the file does not "
        f"list; {never}",
        f"line 3, model: ABC-1234567-8 is already in the ledger without a line of Whatsminer M60S; {never}",
    ]
    lines = Shipment.objects.get().lines.values_list("miner_model__name", "units")
    assert sorted(lines) == [("Antminer S21", 100), ("Avalon A1466", 20)]


def test_entry_number_already_recorded_under_another_importer_is_refused():
    make_shipment(
        entry_number="XYZ-7654321-0",
        importer=Importer.objects.create(name="Gamma LLC"),
        port=None,
        arrived_on=datetime.date(2024, 12, 1),
        lines=[("Antminer T21", 10, "1999.99")],
    )

    result = import_rows(GOOD[2])

    assert error_lines(result) == [
        "line 2, importer: XYZ-7654321-0 is already in the ledger with importer 'Gamma LLC', not 'Beta Hash Inc'; "
        "an import never changes a recorded shipment (edit it in the admin)",
        "line 2, port_code: XYZ-7654321-0 is already in the ledger with port code '2809', not '3801'; "
        "an import never changes a recorded shipment (edit it in the admin)",
    ]


def test_non_utf8_file_names_the_line_byte_and_column():
    data = csv_bytes(GOOD[2]) + "ABC-1234567-8,Café LLC,2809,2024-11-20,Bitmain,Antminer S21,1,10,\n".encode("latin-1")

    result = shipments_import(data=data)

    assert error_lines(result) == ["line 3, importer: not UTF-8: byte 18 of the line is 0xE9; save the file as UTF-8"]
    assert not Shipment.objects.exists()


def test_wrong_header_names_what_is_missing_and_unexpected():
    header = "entry_number,importer,port,arrived_on,model,units,unit_value_usd,notes,colour"

    result = shipments_import(data=csv_bytes(header=header))

    assert error_lines(result) == [
        f"line 1, header: missing columns port_code, manufacturer; unexpected columns port, colour (expected {HEADER})"
    ]


def test_header_with_only_some_export_columns_is_refused():
    result = shipments_import(data=csv_bytes(GOOD[2] + ",detained", header=HEADER + ",status"))

    missing = ", ".join(EXPORT_COLUMNS[1:])
    expected = ",".join([*COLUMNS, *EXPORT_COLUMNS])
    assert error_lines(result) == [f"line 1, header: missing columns {missing} (expected {expected})"]


def test_header_in_another_order_is_refused():
    header = ",".join([COLUMNS[1], COLUMNS[0], *COLUMNS[2:]])

    result = shipments_import(data=csv_bytes(header=header))

    assert error_lines(result) == [f"line 1, header: the columns are in the wrong order (expected {HEADER})"]


def test_header_past_the_csv_field_limit_is_refused():
    # The csv module refuses a field over 131,072 characters: in the header that was an unhandled csv.Error.
    result = shipments_import(data=csv_bytes(GOOD[0], header=HEADER + "x" * 140_000))

    assert error_lines(result) == ["line 1, header: unreadable CSV: field larger than field limit (131072)"]


def test_empty_file_is_refused():
    assert error_lines(shipments_import(data=b"")) == [
        f"line 1, file: the file is empty; expected the header {HEADER} and rows"
    ]
    assert error_lines(shipments_import(data=b"\n \n")) == [
        f"line 1, file: the file is empty; expected the header {HEADER} and rows"
    ]


def test_header_without_rows_is_refused():
    assert error_lines(shipments_import(data=csv_bytes())) == ["line 2, file: the file has a header but no rows"]


def test_shipment_recorded_meanwhile_by_someone_else_fails_the_import_cleanly(monkeypatch):
    import_rows(GOOD[2])
    # As if another import recorded XYZ-7654321-0 between this one's check and its write.
    monkeypatch.setattr("seizures.imports.shipments._compare_with_ledger", lambda shipments, progress: (set(), []))

    result = import_rows(*GOOD)

    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith("line 1, file: the ledger changed while importing (")
    assert str(result.errors[0]).endswith("); nothing was imported, run the import again")
    assert list(Shipment.objects.values_list("entry_number", flat=True)) == ["XYZ-7654321-0"]
    assert Importer.objects.count() == 1
