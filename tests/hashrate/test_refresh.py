"""source_refresh against a loopback HTTP server: good payloads store, bad ones change nothing and say why."""

import datetime
import time
from decimal import Decimal

import pytest
from werkzeug import Response

from hashrate import services
from hashrate.errors import UpstreamUnavailable
from hashrate.fetch import USER_AGENT
from hashrate.locks import source_lock
from hashrate.models import CountryShare, CountryShareRevision, NetworkHashrate, Outcome, RefreshRun, Source
from hashrate.signals import dataset_changed
from tests.hashrate.conftest import payload

pytestmark = pytest.mark.django_db

CBECI = payload("cbeci-mining-countries.csv")
JAN_2022 = datetime.date(2022, 1, 1)


def serve(httpserver, path, body, content_type="text/csv", status=200, headers=None):
    httpserver.expect_request(path).respond_with_data(body, status=status, content_type=content_type, headers=headers)


def refresh(source) -> RefreshRun:
    source.refresh_from_db()
    return services.source_refresh(source=source)


def test_cbeci_csv_is_fetched_parsed_and_stored(httpserver, served):
    cbeci = served("cbeci", "/cbeci.csv")
    CountryShare.objects.filter(source=cbeci).delete()
    serve(httpserver, "/cbeci.csv", CBECI)

    run = refresh(cbeci)

    assert (run.outcome, run.rows_added, run.rows_changed, run.rows_unchanged) == ("succeeded", 290, 0, 0)
    us = CountryShare.objects.get(source=cbeci, country="US", period_start=JAN_2022)
    assert (us.share_pct, us.hashrate_ehs, us.is_bundled) == (Decimal("37.84"), Decimal("70.97"), False)
    cbeci.refresh_from_db()
    assert cbeci.last_success_at == us.retrieved_at
    assert httpserver.log[0][0].headers["User-Agent"] == USER_AGENT


def test_cbeci_older_layout_is_stored_too(httpserver, served):
    cbeci = served("cbeci", "/old.csv")
    CountryShare.objects.filter(source=cbeci).delete()
    serve(httpserver, "/old.csv", payload("cbeci-old-layout.csv"), content_type="application/csv")

    run = refresh(cbeci)

    assert (run.outcome, run.rows_added) == ("succeeded", 20)
    china = CountryShare.objects.get(source=cbeci, country="CN", period_start=datetime.date(2019, 9, 1))
    assert (china.share_pct, china.hashrate_ehs) == (Decimal("75.53"), None)


def test_mempool_hashrate_and_pools_are_stored(httpserver, served):
    hashrate = served("mempool-hashrate", "/api/v1/mining/hashrate/1w")
    pools = served("mempool-pools", "/api/v1/mining/pools/24h")
    serve(httpserver, "/api/v1/mining/hashrate/1w", payload("mempool-hashrate-1w.json"), "application/json")
    serve(httpserver, "/api/v1/mining/pools/24h", payload("mempool-pools-24h.json"), "application/json")

    assert refresh(hashrate).rows_added == 7
    assert NetworkHashrate.objects.get(source=hashrate, day=datetime.date(2025, 4, 29)).hashrate_ehs == pytest.approx(
        871.1838, abs=1e-4
    )
    run = refresh(pools)
    assert (run.outcome, run.rows_added) == ("succeeded", 3)
    assert dict(CountryShare.objects.filter(source=pools).values_list("country", "share_pct")) == {
        "US": Decimal("41.6667"),
        "CN": Decimal("44.4444"),
        "ZZ": Decimal("13.8889"),
    }


def test_rerunning_the_same_payload_changes_nothing(httpserver, served):
    hashrate = served("mempool-hashrate", "/hashrate")
    serve(httpserver, "/hashrate", payload("mempool-hashrate-1w.json"), "application/json")
    refresh(hashrate)

    run = refresh(hashrate)

    assert (run.outcome, run.rows_added, run.rows_changed, run.rows_unchanged) == ("succeeded", 0, 0, 7)


def test_a_run_left_running_by_a_dead_worker_is_closed_by_the_next(httpserver, served):
    hashrate = served("mempool-hashrate", "/hashrate")
    other = served("mempool-pools", "/pools")
    dead = RefreshRun.objects.create(source=hashrate)
    elsewhere = RefreshRun.objects.create(source=other)  # another source's run may well be alive
    serve(httpserver, "/hashrate", payload("mempool-hashrate-1w.json"), "application/json")

    assert refresh(hashrate).outcome == Outcome.SUCCEEDED

    dead.refresh_from_db()
    assert (dead.outcome, dead.finished_at is not None) == (Outcome.FAILED, True)
    assert dead.message == "stopped before it finished (its worker died); nothing it fetched was kept"
    elsewhere.refresh_from_db()
    assert elsewhere.outcome == Outcome.RUNNING


def test_an_unchanged_upstream_answers_304_and_costs_nothing(httpserver, served):
    hashrate = served("mempool-hashrate", "/hashrate")
    httpserver.expect_request("/hashrate", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    serve(httpserver, "/hashrate", payload("mempool-hashrate-1w.json"), "application/json", headers={"ETag": '"v1"'})
    refresh(hashrate)

    run = refresh(hashrate)

    assert run.outcome == Outcome.NOT_MODIFIED
    assert run.payload_bytes is None
    assert httpserver.log[1][0].headers["If-None-Match"] == '"v1"'


def test_an_upstream_change_keeps_the_old_value_as_a_revision(httpserver, served):
    cbeci = served("cbeci", "/cbeci.csv")
    serve(httpserver, "/cbeci.csv", CBECI)
    refresh(cbeci)
    first = CountryShare.objects.get(source=cbeci, country="US", period_start=JAN_2022)
    revised = CBECI.replace(b"2022-01-01,United States,37.84%,70.97", b"2022-01-01,United States,37.80%,70.90")
    revised = revised.replace(b"2022-01-01,Other,9.02%", b"2022-01-01,Other,9.06%")
    httpserver.clear()
    serve(httpserver, "/cbeci.csv", revised)

    run = refresh(cbeci)

    assert (run.rows_added, run.rows_changed) == (0, 2)
    current = CountryShare.objects.get(pk=first.pk)
    assert (current.share_pct, current.hashrate_ehs) == (Decimal("37.80"), Decimal("70.90"))
    revision = CountryShareRevision.objects.get(share=current)
    assert (revision.share_pct, revision.hashrate_ehs) == (Decimal("37.84"), Decimal("70.97"))
    assert revision.retrieved_at == first.retrieved_at
    assert revision.replaced_at == current.retrieved_at
    assert revision.replaced_by == run


def test_dataset_changed_is_sent_on_commit_only_when_rows_change(
    httpserver, served, django_capture_on_commit_callbacks
):
    hashrate = served("mempool-hashrate", "/hashrate")
    serve(httpserver, "/hashrate", payload("mempool-hashrate-1w.json"), "application/json")
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    dataset_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            refresh(hashrate)
        with django_capture_on_commit_callbacks(execute=True):
            refresh(hashrate)
    finally:
        dataset_changed.disconnect(receiver)
    assert len(received) == 1
    assert received[0]["source"].slug == "mempool-hashrate"
    assert (received[0]["rows_added"], received[0]["rows_changed"]) == (7, 0)


def slow(request):
    time.sleep(0.8)
    return Response("too late", content_type="text/csv")


def truncated(request):
    response = Response(CBECI[:4000], content_type="text/csv")
    response.headers["Content-Length"] = str(len(CBECI))
    response.headers["Connection"] = "close"
    return response


BAD_UPSTREAMS = {
    "http-500": (lambda server: serve(server, "/cbeci.csv", "oops", status=500), "failed", "HTTP 500"),
    "truncated-body": (
        lambda server: server.expect_request("/cbeci.csv").respond_with_handler(truncated),
        "failed",
        "RemoteProtocolError",
    ),
    # Last: the single-threaded server is still asleep in it when the test ends.
    "timeout": (lambda server: server.expect_request("/cbeci.csv").respond_with_handler(slow), "failed", "timed out"),
}

BAD_PAYLOADS = {
    "truncated-row": (
        CBECI[: CBECI.index(b"2022-01-01,Malaysia") + 20],
        "text/csv",
        "line 289: 3 fields, the header has 4",
    ),
    "html-instead-of-csv": (b"<!DOCTYPE html><html><title>502</title></html>", "text/html", "content type 'text/html'"),
    "html-labelled-csv": (b"<!DOCTYPE html><html><title>502</title></html>", "text/csv", "HTML page"),
    "shares-summing-to-160": (
        CBECI.replace(b"2022-01-01,United States,37.84%", b"2022-01-01,United States,97.85%"),
        "text/csv",
        "2022-01: shares sum to 160%, more than 100%",
    ),
    "negative-share": (
        CBECI.replace(b"2022-01-01,Ireland *,1.97%", b"2022-01-01,Ireland *,-1.97%"),
        "text/csv",
        "2022-01 IE: share -1.97% is outside 0–100",
    ),
    "unknown-country": (CBECI.replace(b"Kazakhstan", b"Kazakstan"), "text/csv", "unknown country name 'Kazakstan'"),
    "empty-file": (b"", "text/csv", "the payload is empty"),
    "duplicate-rows": (CBECI + b"2022-01-01,Malaysia,2.51%,4.7\r\n", "text/csv", "2022-01 MY: duplicate row"),
}


@pytest.mark.parametrize("case", BAD_UPSTREAMS)
def test_an_upstream_failure_changes_nothing_and_is_recorded_for_retry(httpserver, served, snapshot, settings, case):
    settings.HASHRATE_READ_TIMEOUT_S = 0.3
    cbeci = served("cbeci", "/cbeci.csv")
    setup, outcome, reason = BAD_UPSTREAMS[case]
    setup(httpserver)
    before = snapshot()

    with pytest.raises(UpstreamUnavailable):
        refresh(cbeci)

    assert snapshot() == before
    run = RefreshRun.objects.filter(source=cbeci).latest("started_at")
    assert run.outcome == outcome
    assert reason in run.message
    cbeci.refresh_from_db()
    assert reason in cbeci.last_error
    assert cbeci.last_success_at is None


@pytest.mark.parametrize("case", BAD_PAYLOADS)
def test_a_bad_payload_changes_nothing_and_the_run_says_why(httpserver, served, snapshot, case):
    cbeci = served("cbeci", "/cbeci.csv")
    body, content_type, reason = BAD_PAYLOADS[case]
    serve(httpserver, "/cbeci.csv", body, content_type=content_type)
    before = snapshot()

    run = refresh(cbeci)

    assert snapshot() == before
    assert run.outcome == Outcome.REFUSED
    assert reason in run.message
    cbeci.refresh_from_db()
    assert (cbeci.last_error_at, cbeci.last_success_at, cbeci.etag) == (run.finished_at, None, "")
    assert CountryShare.objects.get(source=cbeci, country="US", period_start=JAN_2022).share_pct == Decimal("37.84")


def test_a_payload_over_the_size_cap_is_refused(httpserver, served, snapshot, settings):
    settings.HASHRATE_MAX_PAYLOAD_BYTES = 1000
    cbeci = served("cbeci", "/cbeci.csv")
    serve(httpserver, "/cbeci.csv", CBECI)
    before = snapshot()

    run = refresh(cbeci)

    assert (run.outcome, snapshot()) == (Outcome.REFUSED, before)
    assert "more than the 1,000-byte cap" in run.message


def test_a_404_is_recorded_without_a_retry(httpserver, served):
    cbeci = served("cbeci", "/moved.csv")
    serve(httpserver, "/moved.csv", "not here", status=404)

    run = refresh(cbeci)

    assert (run.outcome, run.message) == (Outcome.FAILED, f"HTTP 404 from {cbeci.url}")


def test_a_second_refresh_of_a_running_source_is_skipped(served):
    cbeci = Source.objects.get(slug="cbeci")
    with source_lock("cbeci"):
        run = refresh(cbeci)
    assert (run.outcome, run.message) == (Outcome.SKIPPED, "skipped: already running")
    with source_lock("cbeci") as locked:
        assert locked  # released again


def test_a_manual_source_without_a_file_says_so():
    run = services.source_refresh(source=Source.objects.get(slug="hashrate-index"))
    assert (run.outcome, run.message) == (
        Outcome.FAILED,
        "hashrate-index has no URL to fetch: give it a file (it is manual)",
    )
