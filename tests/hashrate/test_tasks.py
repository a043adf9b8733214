"""The refresh tasks on a real Celery worker (a thread of this process) against the Redis broker of REDIS_URL.

Skipped without Redis (a failure under REQUIRE_SERVICES=1). Transactional: the worker thread has its own database
connection, so it must see committed rows.
"""

import time

import pytest
from django.conf import settings
from werkzeug import Response

from hashrate import tasks
from hashrate.locks import source_lock
from hashrate.models import NetworkHashrate, Outcome, RefreshRun, Schedule, Source
from tests.hashrate.conftest import payload

MEMPOOL_JSON = payload("mempool-hashrate-1w.json")
WAIT_S = 30


@pytest.fixture
def redis_app(redis_celery_app, hashrate_reference, settings):
    settings.HASHRATE_RETRY_BACKOFF_S = 1
    return redis_celery_app


@pytest.fixture
def worker(redis_app, redis_worker):
    """A worker thread pool (two threads) consuming from Redis; the app to send tasks with."""
    return redis_app


def send(app, slug):
    return app.send_task("hashrate.tasks.refresh_source", args=[slug])


pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_refresh_source_runs_on_the_worker(worker, httpserver, served):
    source = served("mempool-hashrate", "/hashrate")
    httpserver.expect_request("/hashrate").respond_with_data(MEMPOOL_JSON, content_type="application/json")

    assert send(worker, "mempool-hashrate").get(timeout=WAIT_S) == Outcome.SUCCEEDED

    assert NetworkHashrate.objects.filter(source=source).count() == 7


def test_5xx_is_retried_with_backoff_until_upstream_answers(worker, httpserver, served):
    served("mempool-hashrate", "/hashrate")
    httpserver.expect_oneshot_request("/hashrate").respond_with_data("busy", status=503)
    httpserver.expect_oneshot_request("/hashrate").respond_with_data("busy", status=502)
    httpserver.expect_request("/hashrate").respond_with_data(MEMPOOL_JSON, content_type="application/json")

    assert send(worker, "mempool-hashrate").get(timeout=WAIT_S) == Outcome.SUCCEEDED

    runs = list(RefreshRun.objects.filter(source__slug="mempool-hashrate").order_by("started_at"))
    assert [run.outcome for run in runs] == [Outcome.FAILED, Outcome.FAILED, Outcome.SUCCEEDED]
    assert "HTTP 503" in runs[0].message
    assert "HTTP 502" in runs[1].message
    # Exponential backoff with full jitter: a second retry waits up to 2 s, never zero-or-less in total.
    assert runs[2].started_at > runs[0].finished_at


def test_a_second_refresh_while_one_runs_is_skipped(postgres, worker, httpserver, served):
    served("mempool-hashrate", "/hashrate")

    def slow(request):
        time.sleep(1.5)
        return Response(MEMPOOL_JSON, content_type="application/json")

    httpserver.expect_request("/hashrate").respond_with_handler(slow)

    first = send(worker, "mempool-hashrate")
    time.sleep(0.5)
    second = send(worker, "mempool-hashrate")

    assert sorted([first.get(timeout=WAIT_S), second.get(timeout=WAIT_S)]) == [Outcome.SKIPPED, Outcome.SUCCEEDED]
    skipped = RefreshRun.objects.get(source__slug="mempool-hashrate", outcome=Outcome.SKIPPED)
    assert skipped.message == "skipped: already running"


def test_the_redis_lock_held_elsewhere_skips_the_worker(worker, served):
    served("cbeci", "/never-fetched")
    with source_lock("cbeci") as locked:
        assert locked
        assert send(worker, "cbeci").get(timeout=WAIT_S) == Outcome.SKIPPED


def test_the_beat_schedule_runs_daily_mempool_and_monthly_cbeci_on_the_worker(worker, httpserver, served):
    entries = {entry["args"][0]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if "args" in entry}
    assert {"mempool-hashrate", "mempool-pools", "cbeci"} <= entries.keys()
    for slug, entry in entries.items():
        source = Source.objects.get(slug=slug)
        assert entry["task"] in worker.tasks
        assert source.schedule != Schedule.MANUAL
    assert str(entries["cbeci"]["schedule"].day_of_month) == "{3}"
    served("mempool-hashrate", "/hashrate")
    httpserver.expect_request("/hashrate").respond_with_data(MEMPOOL_JSON, content_type="application/json")
    entry = entries["mempool-hashrate"]

    # What beat does when the entry is due: send the task by name with the entry's arguments.
    result = worker.send_task(entry["task"], args=entry["args"], kwargs=entry.get("kwargs", {}))

    assert result.get(timeout=WAIT_S) == Outcome.SUCCEEDED


def test_refresh_all_queues_every_scheduled_source(worker, httpserver, served):
    for slug in ("cbeci", "mempool-hashrate", "mempool-pools", "blockchain-com"):
        served(slug, f"/{slug}")
    httpserver.expect_request("/mempool-hashrate").respond_with_data(MEMPOOL_JSON, content_type="application/json")
    httpserver.expect_request("/cbeci").respond_with_data("gone", status=404)
    httpserver.expect_request("/mempool-pools").respond_with_data("gone", status=404)
    httpserver.expect_request("/blockchain-com").respond_with_data("gone", status=404)

    queued = worker.send_task("hashrate.tasks.refresh_all").get(timeout=WAIT_S)

    assert sorted(queued) == ["blockchain-com", "cbeci", "mempool-hashrate", "mempool-pools"]
    deadline = time.monotonic() + WAIT_S
    while RefreshRun.objects.exclude(outcome=Outcome.RUNNING).filter(trigger="schedule").count() < 4:
        assert time.monotonic() < deadline, "the four refreshes did not finish"
        time.sleep(0.1)
    assert RefreshRun.objects.get(source__slug="mempool-hashrate").outcome == Outcome.SUCCEEDED


@pytest.mark.django_db
def test_in_process_tasks_do_not_retry(httpserver, served, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    served("mempool-hashrate", "/hashrate")
    httpserver.expect_request("/hashrate").respond_with_data("busy", status=503)

    assert tasks.refresh_source.apply(args=["mempool-hashrate"]).get() == Outcome.FAILED
    assert RefreshRun.objects.filter(source__slug="mempool-hashrate").count() == 1
