import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from seizures import services
from seizures.imports import events_import
from seizures.imports.events import COLUMNS
from seizures.models import EventKind, Shipment, ShipmentEvent, ShipmentStatus
from tests.factories import make_shipment

pytestmark = pytest.mark.django_db

D = datetime.date
HEADER = ",".join(COLUMNS)


def import_rows(*rows: str, **kwargs):
    return events_import(data="\n".join([HEADER, *rows, ""]).encode(), **kwargs)


def error_lines(result) -> list[str]:
    return [str(error) for error in result.errors]


@pytest.fixture
def two_lines():
    return make_shipment(
        entry_number="ABC-1234567-8", lines=[("Antminer S21", 100, "3000.00"), ("Whatsminer M60S", 50, "2500.00")]
    )


@pytest.fixture
def one_line():
    return make_shipment(entry_number="XYZ-7654321-0", lines=[("Antminer T21", 10, "2000.00")])


def test_events_are_recorded_and_custody_derived_with_exact_figures(two_lines, one_line):
    result = import_rows(
        "ABC-1234567-8,detained,2024-11-25,,,CBP-2024-1,19 USC 1595a(c)(2)(A),FCC request",
        "ABC-1234567-8,released,2025-03-05,Antminer S21,40,CBP-2024-1,,",
        "ABC-1234567-8,seizure_notice,2025-01-10,,,,,",
        "XYZ-7654321-0,seized,2024-12-02,,,FPF-2025-77,,",
        "XYZ-7654321-0,forfeited,2025-02-01,,4,FPF-2025-77,,",
    )

    assert result.ok
    assert result.summary == "recorded 5 events on 2 shipments, 0 already recorded"
    shipment = Shipment.objects.get(pk=two_lines.pk)
    assert shipment.status == ShipmentStatus.PARTIALLY_RELEASED
    assert (shipment.units_in_custody, shipment.units_released) == (110, 40)
    assert shipment.value_in_custody_usd == Decimal("305000.00")  # 60 × 3000 + 50 × 2500
    assert shipment.first_detained_on == D(2024, 11, 25)
    detained = shipment.events.get(kind=EventKind.DETAINED)
    assert (detained.line, detained.units, detained.reference) == (None, None, "CBP-2024-1")
    assert detained.legal_basis == "19 USC 1595a(c)(2)(A)"
    assert detained.entered_by is None
    one = Shipment.objects.get(pk=one_line.pk)
    assert (one.status, one.units_in_custody, one.units_forfeited) == (ShipmentStatus.SEIZED, 6, 4)


def test_empty_units_on_detained_with_a_model_take_every_unit_of_that_line(two_lines):
    result = import_rows("ABC-1234567-8,detained,2024-11-25,Whatsminer M60S,,,,")

    assert result.ok
    shipment = Shipment.objects.get(pk=two_lines.pk)
    assert (shipment.units_in_custody, shipment.value_in_custody_usd) == (50, Decimal("125000.00"))
    assert shipment.events.get().units is None


def test_empty_units_on_seized_without_a_model_take_every_unit_of_the_shipment(two_lines):
    import_rows("ABC-1234567-8,seized,2024-11-25,,,,,")

    shipment = Shipment.objects.get(pk=two_lines.pk)
    assert (shipment.status, shipment.units_in_custody) == (ShipmentStatus.SEIZED, 150)


def test_custody_violation_is_reported_on_the_row_that_causes_it_in_date_order(two_lines):
    result = import_rows(
        "ABC-1234567-8,detained,2024-11-25,,,,,",
        "ABC-1234567-8,released,2025-03-05,Antminer S21,40,,,",
        "ABC-1234567-8,released,2025-03-01,Antminer S21,61,,,",
    )

    # In date order the release of 61 (line 4) comes first and fits; the later release of 40 (line 3) does not.
    assert error_lines(result) == [
        "line 3, event: releasing 40 units of Antminer S21, but only 39 are in custody",
    ]
    assert not ShipmentEvent.objects.exists()
    assert Shipment.objects.get(pk=two_lines.pk).status == ShipmentStatus.RECORDED


def test_every_custody_violation_of_a_file_is_reported(two_lines, one_line):
    result = import_rows(
        "ABC-1234567-8,detained,2024-11-25,,5,,,",
        "XYZ-7654321-0,released,2024-12-01,,,,,",
        "XYZ-7654321-0,detained,2024-11-19,,,,,",
    )

    assert error_lines(result) == [
        "line 2, event: this shipment has 2 lines (Antminer S21, Whatsminer M60S): name the model the units move on",
        "line 3, event: nothing to move: no units of this shipment can be released now",
        "line 4, event: the event is dated 2024-11-19, before the shipment arrived on 2024-11-20",
    ]


def test_new_event_that_breaks_a_recorded_one_is_blamed(two_lines):
    services.shipment_record_event(shipment=two_lines, kind=EventKind.DETAINED, occurred_on=D(2024, 11, 25))
    s21 = two_lines.lines.get(miner_model__name="Antminer S21")
    services.shipment_record_event(
        shipment=two_lines, kind=EventKind.RELEASED, occurred_on=D(2025, 3, 5), line=s21, units=60
    )

    result = import_rows("ABC-1234567-8,released,2025-02-01,Antminer S21,50,,,")

    assert error_lines(result) == [
        "line 2, event: after this event the released recorded on 2025-03-05 no longer fits: "
        "releasing 60 units of Antminer S21, but only 50 are in custody"
    ]


def test_event_in_the_future_is_refused(one_line):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)

    result = import_rows(f"XYZ-7654321-0,detained,{tomorrow:%Y-%m-%d},,,,,")

    assert error_lines(result) == [
        f"line 2, event: the event is dated {tomorrow:%Y-%m-%d}, in the future (today is {today:%Y-%m-%d})"
    ]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "ABC-7777777-7,detained,2024-11-25,,,,,",
            "line 2, entry_number: no shipment has entry number ABC-7777777-7; import the shipment first",
        ),
        (
            "ABC-123,detained,2024-11-25,,,,,",
            "line 2, entry_number: 'ABC-123' is not a CBP entry number: expected a 3-character filer code, "
            "7 digits and a check digit, like ABC-1234567-8",
        ),
        (
            "ABC-1234567-8,relased,2024-11-25,,,,,",
            "line 2, event: unknown event 'relased'; the closest known is 'released' (one of detained, seized, "
            "seizure_notice, petition_filed, forfeiture_notice, claim_filed, protest_filed, released, forfeited, "
            "abandoned, exported)",
        ),
        (
            "ABC-1234567-8,void,2024-11-25,,,,,",
            "line 2, event: void events are not imported: void the event in the admin, with the reason",
        ),
        (
            "ABC-1234567-8,detained,25/11/2024,,,,,",
            "line 2, date: '25/11/2024' is not a date: use ISO 8601, YYYY-MM-DD (e.g. 2024-11-25)",
        ),
        (
            "ABC-1234567-8,detained,2024-11-25,Antminer T21,,,,",
            "line 2, model: Antminer T21 is not on ABC-1234567-8 (its lines: Antminer S21, Whatsminer M60S)",
        ),
        (
            "ABC-1234567-8,detained,2024-11-25,Whatsminer M60,,,,",
            "line 2, model: unknown model 'Whatsminer M60'; the closest known is 'Whatsminer M60S'",
        ),
        (
            "ABC-1234567-8,detained,2024-11-25,Antminer S21,0,,,",
            "line 2, units: units must be a positive whole number, not 0",
        ),
        (
            "ABC-1234567-8,detained,2024-11-25,Antminer S21,-3,,,",
            "line 2, units: units must be a positive whole number, not -3",
        ),
        (
            "ABC-1234567-8,petition_filed,2024-11-25,,,,,",
            "line 2, event: a petition filed event needs the shipment to be in custody first",
        ),
        # PostgreSQL refuses NUL in text: the import crashed while writing the event.
        (
            "ABC-1234567-8,detained,2024-11-25,,,CBP\x001,,",
            "line 2, reference: contains a NUL character (0x00); remove it",
        ),
        (
            "ABC-1234567-8,detained,2024-11-25,Antminer S21,2147483648,,,",
            "line 2, units: 2,147,483,648 units are more than the ledger can hold (at most 2,147,483,647)",
        ),
    ],
)
def test_a_bad_row_is_reported_on_its_line_and_column_and_nothing_is_written(two_lines, row, error):
    result = import_rows(row)

    assert error_lines(result) == [error]
    assert not ShipmentEvent.objects.exists()


def test_one_bad_row_stops_the_whole_file(two_lines, one_line):
    result = import_rows("XYZ-7654321-0,detained,2024-11-25,,,,,", "ABC-1234567-8,detained,2024-11-25,,-1,,,")

    assert result.error_summary() == "1 error in the file; nothing was imported"
    assert not ShipmentEvent.objects.exists()


def test_dry_run_reports_what_would_happen_and_writes_nothing(two_lines):
    result = import_rows("ABC-1234567-8,detained,2024-11-25,,,,,", dry_run=True)

    assert result.summary == "dry run: would record 1 event on 1 shipment, 0 already recorded; nothing was written"
    assert not ShipmentEvent.objects.exists()
    assert Shipment.objects.get(pk=two_lines.pk).status == ShipmentStatus.RECORDED


def test_reimporting_the_same_file_records_nothing_and_says_so(two_lines):
    rows = ("ABC-1234567-8,detained,2024-11-25,,,CBP-1,,", "ABC-1234567-8,released,2025-03-05,Antminer S21,40,,,")
    import_rows(*rows)

    result = import_rows(*rows)

    assert result.ok
    assert result.summary == "nothing to import: all 2 events in the file are already recorded"
    assert ShipmentEvent.objects.count() == 2


def test_file_extending_a_recorded_history_records_only_the_new_events(two_lines):
    import_rows("ABC-1234567-8,detained,2024-11-25,,,CBP-1,,")

    result = import_rows(
        "ABC-1234567-8,detained,2024-11-25,,,CBP-1,,", "ABC-1234567-8,released,2025-03-05,Antminer S21,40,,,"
    )

    assert result.summary == "recorded 1 event on 1 shipment, 1 already recorded"
    assert Shipment.objects.get(pk=two_lines.pk).units_released == 40


def test_voided_event_does_not_count_as_already_recorded(two_lines):
    import_rows("ABC-1234567-8,detained,2024-11-25,,,,,")
    services.event_void(event=ShipmentEvent.objects.get(), reason="wrong date")

    result = import_rows("ABC-1234567-8,detained,2024-11-25,,,,,")

    assert result.summary == "recorded 1 event on 1 shipment, 0 already recorded"


def test_importing_user_is_recorded_as_entered_by(two_lines, customs_admin):
    import_rows("ABC-1234567-8,detained,2024-11-25,,,,,", user=customs_admin)

    assert ShipmentEvent.objects.get().entered_by == customs_admin
