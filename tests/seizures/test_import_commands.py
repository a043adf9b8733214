import io
from pathlib import Path

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from seizures.imports.shipments import COLUMNS
from seizures.models import Shipment, ShipmentEvent

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


@pytest.fixture
def run(monkeypatch, capsys):
    """Run manage.py in-process as a shell would; returns (exit status, stdout, stderr)."""
    # run_from_argv closes every connection when done, which would end the test's transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    def run(*argv):
        try:
            ManagementUtility(["manage.py", *argv]).execute()
            status = 0
        except SystemExit as exit:
            status = exit.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_shipments_then_events_import_with_exit_status_zero(run):
    status, out, _ = run("import_shipments", str(DATA / "shipments.csv"))
    assert (status, out) == (0, "created 2 shipments (3 lines), 0 unchanged; 2 new importers\n")

    status, out, _ = run("import_events", str(DATA / "events.csv"))
    assert (status, out) == (0, "recorded 3 events on 2 shipments, 0 already recorded\n")
    assert ShipmentEvent.objects.filter(entered_by__isnull=True).count() == 3


def test_second_run_says_nothing_changed(run):
    run("import_shipments", str(DATA / "shipments.csv"))

    status, out, _ = run("import_shipments", str(DATA / "shipments.csv"))

    assert (status, out) == (0, "nothing to import: all 2 shipments in the file are already in the ledger, unchanged\n")


def test_dry_run_option_writes_nothing(run):
    status, out, _ = run("import_shipments", str(DATA / "shipments.csv"), "--dry-run")

    assert status == 0
    assert out.startswith("dry run: would create 2 shipments (3 lines)")
    assert not Shipment.objects.exists()


def test_errors_are_listed_on_stderr_with_a_non_zero_exit_status(run, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(",".join(COLUMNS) + "\nABC-1234567-8,Acme,2809,2024-11-20,Bitmain,Antminer S21,0,10,\n")

    status, out, err = run("import_shipments", str(path))

    assert status == 1
    assert out == ""
    assert err.splitlines() == [
        "line 2, units: units must be a positive whole number, not 0",
        "CommandError: 1 error in the file; nothing was imported",
    ]


def test_events_errors_give_a_non_zero_exit_status(run):
    status, _, err = run("import_events", str(DATA / "events.csv"))

    assert status == 1
    assert "line 2, entry_number: no shipment has entry number ABC-1234567-8; import the shipment first" in err


def test_error_listing_is_capped_with_a_count_of_the_rest(tmp_path):
    rows = [f"ABC-{serial:07d}-1,Acme,2809,2024-11-20,Bitmain,Antminer S21,0,10," for serial in range(250)]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([",".join(COLUMNS), *rows]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="250 errors in the file; nothing was imported"):
        call_command("import_shipments", str(path), stderr=err)

    listed = err.getvalue().splitlines()
    assert len(listed) == 201
    assert listed[0] == "line 2, units: units must be a positive whole number, not 0"
    assert listed[-1] == "… and 50 more errors"


def test_long_imports_report_counted_progress_on_stderr(tmp_path):
    rows = [f"ABC-{serial:07d}-1,Acme,2809,2024-11-20,Bitmain,Antminer S21,1,10," for serial in range(1_000)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join([",".join(COLUMNS), *rows]))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_shipments", str(path), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        "validating rows: 1,000/1,000",
        "checking the ledger: 1,000/1,000",
        "writing shipments: 1,000/1,000",
    ]
    assert out.getvalue() == "created 1,000 shipments (1,000 lines), 0 unchanged; 1 new importer\n"


def test_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match=r"cannot read .*missing\.csv: No such file or directory"):
        call_command("import_events", str(tmp_path / "missing.csv"))
