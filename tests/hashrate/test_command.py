import io

import pytest
from django.core.management import CommandError, call_command

from hashrate.models import CountryShare, Outcome, RefreshRun, Source, Trigger

pytestmark = pytest.mark.django_db


def run_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("refresh_hashrate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_file_loads_into_a_manual_source_with_counted_steps(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("period,country,share_pct,hashrate_ehs\n2024-Q4,US,37.5,\n2024-Q4,CN,14.2,\n")

    out, _ = run_command("--source", "hashrate-index", "--file", str(path))

    assert out.splitlines() == [
        "[1/1] hashrate-index: reading the file",
        "[1/1] hashrate-index: parsing and validating 72 bytes",
        "[1/1] hashrate-index: writing 3 rows",
        "[1/1] hashrate-index: succeeded — 3 added, 0 changed, 0 unchanged",
    ]
    assert CountryShare.objects.get(source__slug="hashrate-index", country="US", period_start="2024-10-01").share_pct
    run = RefreshRun.objects.filter(source__slug="hashrate-index").latest("started_at")
    assert (run.trigger, run.outcome) == (Trigger.COMMAND, Outcome.SUCCEEDED)


def test_a_refused_file_fails_the_command_and_says_why(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("period,country,share_pct,hashrate_ehs\n2024-Q4,US,80,\n2024-Q4,CN,80,\n")

    with pytest.raises(CommandError, match="1 of 1 source"):
        run_command("--source", "hashrate-index", "--file", str(path))

    assert not CountryShare.objects.filter(source__slug="hashrate-index", period_start="2024-10-01").exists()


def test_without_source_every_scheduled_source_is_refreshed(httpserver, served):
    for slug in ("cbeci", "mempool-pools", "blockchain-com"):
        served(slug, "/down")
    served("mempool-hashrate", "/hashrate")
    httpserver.expect_request("/hashrate").respond_with_data(
        b'{"hashrates":[{"timestamp":1745884800,"avgHashrate":8.7e+20}]}', content_type="application/json"
    )
    httpserver.expect_request("/down").respond_with_data("gone", status=404)

    with pytest.raises(CommandError, match="3 of 4 source"):
        run_command()

    assert RefreshRun.objects.filter(source__slug="mempool-hashrate", outcome=Outcome.SUCCEEDED).exists()
    assert RefreshRun.objects.filter(trigger=Trigger.COMMAND).count() == 4


def test_file_without_source_and_unknown_source_are_explained(tmp_path):
    with pytest.raises(CommandError, match="--file needs --source"):
        run_command("--file", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="no source 'nope'; known sources: "):
        run_command("--source", "nope")
    assert Source.objects.count() == 6
