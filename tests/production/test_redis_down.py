"""Redis down: pages still render (charts from the database), a refresh or recompute says it could not be queued,
/readyz says the broker is down, a release still commits, and nothing answers 500; when Redis returns, a worker that
lived through the outage reconnects and runs what is queued then, and the charts catch up with the outage's writes.

Redis here is a private redis-server as docker-compose.yml runs it (append-only file), on a free port with its data
in the test's temp dir, stopped and started again on the same port; the shared one is never touched. The worker is
docker-compose.yml's worker command in a real process on the test's database. The test process is pointed at the
private server (REDIS_URL, CACHES, the Celery app's broker). Skipped without the redis-server binary, and the worker
test without PostgreSQL (failures under REQUIRE_SERVICES=1).
"""

import datetime
import json
import logging
import os
import shutil
import socket
import time

import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from config.broker import UNQUEUED
from config.cache import TolerantRedisCache, cache_reconnected
from config.celery import app
from dashboard import selectors
from dashboard import services as dashboard_services
from dashboard.models import ChartSlug, RenderedChart, RenderRun
from dashboard.tasks import render_charts
from hashrate import reference_data as hashrate_reference_data
from hashrate.models import Outcome, RefreshRun, Source, Trigger
from hashrate.tasks import refresh_source
from seizures import services
from seizures.deadlines.seeds import ensure_seeded_rules
from seizures.models import DeadlineRecompute, DeadlineRule, EventKind, RecomputeStatus, Shipment, ShipmentEvent
from tests.conftest import _missing
from tests.factories import make_shipment
from tests.hashrate.conftest import payload
from tests.production.compose import Deployment, compose, shared_postgres_url
from tests.production.processes import free_port, wait_until
from tests.seizures.test_deadlines_recompute import _rule_form

pytestmark = pytest.mark.services
# Transactional: the writes commit (their after-commit work runs), and the worker process sees them.
committing = pytest.mark.django_db(transaction=True)

REDIS_SERVER = shutil.which("redis-server")
# What a request may take while Redis is down: a dead broker or cache must cost well under this, not hang.
ANSWER_S = 5
QUEUE_ATTEMPT_S = 2
ENTRY = "RDS-0000001-0"


class PrivateRedis:
    """docker-compose.yml's redis command on a free port, its data in `directory`: it keeps what it held across a
    stop and a start."""

    def __init__(self, spawn, directory):
        self.spawn, self.directory, self.port = spawn, directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.starts = 0
        self.process = None

    def start(self) -> None:
        self.starts += 1
        self.directory.mkdir(exist_ok=True)
        command = compose()["services"]["redis"]["command"]
        assert command[0] == "redis-server"
        argv = [
            REDIS_SERVER,
            *command[1:],
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
        ]
        self.process = self.spawn(f"redis-{self.starts}", argv, dict(os.environ))
        self.process.wait_for(self.answers, f"Redis answering on port {self.port}")

    def stop(self) -> None:
        self.process.stop()
        assert not self.answers()

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False


@pytest.fixture
def private_redis(spawn, tmp_path):
    if REDIS_SERVER is None:
        _missing("the test needs the redis-server binary")
    server = PrivateRedis(spawn, tmp_path / "redis")
    server.start()
    return server


def publish_through(url: str, monkeypatch) -> None:
    """Celery publishes to the broker at url: the project's app, and whichever app the shared tasks are bound to now
    (celery.contrib.pytest's test app, once an earlier test used it)."""
    for celery_app in {app, render_charts.app, refresh_source.app}:
        monkeypatch.setitem(celery_app.conf, "broker_url", url)
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        # Connections are pooled per app: drop the pools so the next publish connects to url.
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)


def point_at(url: str, settings, monkeypatch) -> None:
    """This process's cache and Celery app on the Redis at url, as settings would set them with REDIS_URL=url."""
    settings.REDIS_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    publish_through(url, monkeypatch)


@pytest.fixture
def on_private_redis(private_redis, settings, monkeypatch):
    point_at(private_redis.url, settings, monkeypatch)
    return private_redis


@pytest.fixture
def ledger(reference_data, monkeypatch):
    """One shipment of 100 machines, all detained; the seeded deadline rules; the dataset's sources. Built with tasks
    in-process, so its changes queue no render on the shared broker."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    ensure_seeded_rules(DeadlineRule)
    hashrate_reference_data.ensure_reference_data()
    shipment = make_shipment(entry_number=ENTRY, lines=[("Antminer S21", 100, "3000")])
    services.shipment_record_event(shipment=shipment, kind=EventKind.DETAINED, occurred_on=datetime.date(2025, 1, 6))
    return shipment


class Timed:
    """The test client, failing any answer that is a 500 or slower than ANSWER_S."""

    def __init__(self, client):
        self.client = client

    def _check(self, response, started: float, method: str, path: str):
        took = time.monotonic() - started
        for hop in [*getattr(response, "redirect_chain", []), (path, response.status_code)]:
            assert hop[1] < 500, f"{method} {path}: {hop}"
        assert took < ANSWER_S, f"{method} {path} took {took:.1f} s"
        return response

    def get(self, path, **kwargs):
        started = time.monotonic()
        response = self.client.get(path, **kwargs)
        return self._check(response, started, "GET", path)

    def post(self, path, data, **kwargs):
        started = time.monotonic()
        response = self.client.post(path, data, follow=True, **kwargs)
        return self._check(response, started, "POST", path)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def release_args(shipment, units: int):
    """The admin's record-release form, filled in: (url, data)."""
    line = shipment.lines.get()
    data = {f"units_{line.pk}": units, "occurred_on": "2025-03-05", "reference": "outage", "note": ""}
    return f"/admin/seizures/shipment/{shipment.pk}/release/", data


def refresh_now(client, slug: str):
    """The sources admin's "Refresh now" action on one source."""
    data = {"action": "refresh_now", "_selected_action": [Source.objects.get(slug=slug).pk]}
    return Timed(client).post("/admin/hashrate/source/", data)


def key_figure(client, key: str):
    figures = json.loads(client.get("/dashboard/charts/key-figures.json").content)
    return next(item["value"] for item in figures if item["key"] == key)


def test_the_cache_reads_an_outage_as_a_miss_and_skips_writes():
    cache = TolerantRedisCache(f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1}})

    assert cache.get("key", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("key", 1) is False
    cache.set("key", 1)
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("key") is False
    assert cache.get_or_set("key", 2) == 2
    with pytest.raises(ValueError, match="not found"):
        cache.incr("key")


@pytest.fixture
def silent_redis():
    """A port that takes connections and never answers, as a hung Redis does (the kernel completes the handshake of
    a listening socket that is never accepted)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def _timed(call):
    started = time.monotonic()
    try:
        return call(), time.monotonic() - started
    except ValueError as error:
        return error, time.monotonic() - started


def test_after_a_timeout_reads_and_fills_skip_redis_for_a_while_but_invalidations_still_try(silent_redis):
    options = {"OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}, "OUTAGE_RETRY_S": 1.5}
    cache = TolerantRedisCache(silent_redis, options)

    value, first = _timed(lambda: cache.get("key", "default"))
    assert (value, first >= 0.3) == ("default", True)

    def reads_and_fills():
        assert cache.get("key", "default") == "default"
        assert cache.add("key", 1) is False
        cache.set("key", 1)
        assert cache.get_many(["key"]) == {}

    _, skipped = _timed(lambda: [reads_and_fills() for _ in range(20)])
    assert skipped < 0.3  # 80 calls, none of them waiting for the silent server
    error, invalidation = _timed(lambda: cache.incr("generation"))
    assert isinstance(error, ValueError)
    assert invalidation >= 0.3  # tried: had Redis come back, the change would have reached it

    time.sleep(1.5)
    value, retried = _timed(lambda: cache.get("key", "default"))
    assert (value, retried >= 0.3) == ("default", True)


def test_an_invalidation_just_after_redis_returns_reaches_it_and_announces_the_outage_over(private_redis):
    cache = TolerantRedisCache(private_redis.url, {"OPTIONS": {"socket_connect_timeout": 1}, "OUTAGE_RETRY_S": 60})
    cache.set("figures", "before the outage")
    private_redis.stop()
    assert cache.get("figures") is None
    private_redis.start()  # with what it held: its append-only file
    announced = []
    cache_reconnected.connect(lambda **kwargs: announced.append(True), weak=False, dispatch_uid="test-announced")
    try:
        assert cache.get("figures") is None  # not tried yet: read from the database meanwhile

        assert cache.delete("figures") is True

        assert announced == [True]
        assert cache.get("figures", "gone") == "gone"
    finally:
        cache_reconnected.disconnect(dispatch_uid="test-announced")


@committing
def test_a_write_commits_when_its_rerender_cannot_be_queued(
    ledger, client, customs_admin, settings, monkeypatch, caplog
):
    """The cache answers (local memory here) but the broker does not: the release is recorded, the failed publish
    logged, and no render is marked pending, so the next view renders the charts."""
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    publish_through(dead_broker, monkeypatch)
    dashboard_services.render_pending_clear()  # an earlier test's render may still be marked pending: none here
    client.force_login(customs_admin)
    version = selectors.data_version()

    with caplog.at_level(logging.WARNING, logger="config.broker"):
        response = Timed(client).post(*release_args(ledger, 40))

    assert messages_of(response) == [f"Recorded the release of 40 units of {ENTRY}."]
    assert Shipment.objects.get(pk=ledger.pk).units_in_custody == 60
    assert selectors.data_version() == version + 1
    assert [record.getMessage().split(" (")[0] for record in caplog.records if record.name == "config.broker"] == [
        f"dashboard.tasks.render_charts {UNQUEUED}"
    ]
    assert key_figure(client, "machines_in_custody") == 60


@committing
def test_while_redis_is_down_pages_render_queueing_says_so_and_writes_commit(
    ledger, on_private_redis, client, customs_admin, httpserver, caplog
):
    cbeci = Source.objects.get(slug="cbeci")
    cbeci.url = httpserver.url_for("/never-fetched")
    cbeci.save(update_fields=["url"])
    rule = DeadlineRule.objects.get(code="petition-for-relief")
    client.force_login(customs_admin)
    web = Timed(client)
    assert web.get("/shipments/").context["totals"]["units_in_custody"] == 100  # cached in Redis
    assert redis.Redis.from_url(on_private_redis.url).dbsize() > 0

    on_private_redis.stop()

    # A release is recorded and committed; its re-render cannot be queued, and the charts are stale in the database.
    response = web.post(*release_args(ledger, 40))
    assert messages_of(response) == [f"Recorded the release of 40 units of {ENTRY}."]
    assert Shipment.objects.get(pk=ledger.pk).units_in_custody == 60
    assert ShipmentEvent.objects.filter(kind=EventKind.RELEASED).count() == 1

    # Pages render from the database, with the release in their figures.
    assert web.get("/shipments/").context["totals"]["units_in_custody"] == 60
    assert web.get(f"/shipments/{ENTRY}/").status_code == 200
    assert web.get("/dashboard/").status_code == 200
    for slug in ("key-figures", *(chart.value for chart in ChartSlug if chart != ChartSlug.KEY_FIGURES)):
        assert web.get(f"/dashboard/charts/{slug}.json").status_code == 200
    assert key_figure(client, "machines_in_custody") == 60
    assert web.get("/hashrate/").status_code == 200
    assert web.get("/deadlines/").status_code == 200

    response = client.get("/readyz")  # the one 5xx wanted: a load balancer stops sending work here
    assert (response.status_code, response.json()) == (503, {"database": "ok", "broker": "down"})

    # Queueing says it could not, quickly.
    started = time.monotonic()
    response = refresh_now(client, "cbeci")
    assert time.monotonic() - started < QUEUE_ATTEMPT_S
    assert messages_of(response) == [
        f"Not refreshed: cbeci {UNQUEUED}. Try again later, or run `manage.py refresh_hashrate --source cbeci` on "
        "the server."
    ]
    assert not RefreshRun.objects.filter(source=cbeci, trigger=Trigger.ADMIN).exists()

    response = web.post(f"/admin/seizures/deadlinerule/{rule.pk}/change/", _rule_form(rule, offset_days=45))
    assert DeadlineRule.objects.get(pk=rule.pk).offset_days == 45  # the change is saved
    assert f"The recompute of every shipment's deadlines {UNQUEUED}." in messages_of(response)[-1]
    run = DeadlineRecompute.objects.get()
    assert (run.status, run.message) == (
        RecomputeStatus.FAILED,
        f"The recompute {UNQUEUED}. Start one again once the broker is back.",
    )
    response = web.post("/admin/seizures/deadlinerecompute/recompute-now/", {})
    assert messages_of(response) == [f"Recompute {run.pk + 1} {UNQUEUED}. Try again later."]

    # A manual source's upload runs in-process: without its Redis lock, as no worker can take a refresh meanwhile.
    index = Source.objects.get(slug="hashrate-index")
    upload = b"period,country,share_pct,hashrate_ehs\n2024-Q4,US,37.5,\n"
    response = client.post(
        f"/admin/hashrate/source/{index.pk}/upload/", {"file": SimpleUploadedFile("quarters.csv", upload)}, follow=True
    )
    assert response.status_code == 200
    assert messages_of(response) == ["Succeeded: 2 added, 0 changed, 0 unchanged"]
    assert RefreshRun.objects.get(source=index, trigger=Trigger.UPLOAD).outcome == Outcome.SUCCEEDED

    unqueued = [record.getMessage() for record in caplog.records if record.name == "config.broker"]
    assert len(unqueued) == 3, unqueued  # the refresh and the two recomputes, each logged

    # Redis comes back with what it cached before the outage (its append-only file): the ledger's cached totals of
    # then are not served again, the release made meanwhile shows on the first page.
    on_private_redis.start()
    assert web.get("/shipments/").context["totals"]["units_in_custody"] == 60


@committing
def test_a_worker_outlives_a_redis_restart_and_runs_what_is_queued_then(
    postgres, ledger, on_private_redis, spawn, tmp_path, client, customs_admin, httpserver, settings
):
    mempool = Source.objects.get(slug="mempool-hashrate")
    mempool.url = httpserver.url_for("/hashrate")
    mempool.save(update_fields=["url"])
    httpserver.expect_request("/hashrate").respond_with_data(
        payload("mempool-hashrate-1w.json"), content_type="application/json"
    )
    deployment = Deployment(
        database_url=shared_postgres_url(connection.settings_dict["NAME"]),
        redis_url=on_private_redis.url,
        root=tmp_path / "deployment",
    )
    worker = spawn("worker", deployment.command("worker"), deployment.environment("worker"))
    worker.wait_for_output(" ready.")
    render = settings.CELERY_BEAT_SCHEDULE["dashboard-render-charts"]["task"]
    app.send_task(render)  # what beat sends daily
    worker.wait_for(lambda: RenderRun.objects.filter(trigger="task").exists(), "a render on the worker")
    client.force_login(customs_admin)
    assert key_figure(client, "machines_in_custody") == 100

    on_private_redis.stop()
    worker.wait_for_output("Connection to broker lost")

    response = Timed(client).post(*release_args(ledger, 40))
    assert messages_of(response) == [f"Recorded the release of 40 units of {ENTRY}."]
    assert messages_of(refresh_now(client, "mempool-hashrate"))[0].startswith(
        f"Not refreshed: mempool-hashrate {UNQUEUED}"
    )
    version = selectors.data_version()
    assert RenderedChart.objects.get(slug=ChartSlug.KEY_FIGURES).data_version < version  # stale, nothing queued

    on_private_redis.start()
    workers = [worker]

    def supervised(condition):
        """condition(), restarting the worker the way compose's `restart: unless-stopped` does: kombu's Redis
        transport can crash it while it closes the lost connection (AttributeError on conninfo.hostname, an
        upstream bug), and only that crash is accepted."""

        def check():
            if not workers[-1].running:
                assert "'NoneType' object has no attribute 'hostname'" in workers[-1].output(), workers[-1].report()
                env = deployment.environment("worker")
                workers.append(spawn(f"worker-{len(workers) + 1}", deployment.command("worker"), env))
            return condition()

        return check

    # Queued while the worker is still (re)connecting: it runs once it has.
    assert messages_of(refresh_now(client, "mempool-hashrate")) == [
        "Refresh queued: mempool-hashrate. The runs show how each goes."
    ]
    app.send_task(render)
    wait_until(
        supervised(
            lambda: RefreshRun.objects.filter(source=mempool, trigger=Trigger.ADMIN, outcome=Outcome.SUCCEEDED).exists()
        ),
        "the refresh queued after Redis returned",
    )
    wait_until(
        supervised(lambda: RenderedChart.objects.get(slug=ChartSlug.KEY_FIGURES).data_version >= version),
        "charts rendered with the release recorded during the outage",
    )
    assert "Connected to redis://" in workers[-1].output()
    worker = workers[-1]
    stored = json.loads(RenderedChart.objects.get(slug=ChartSlug.KEY_FIGURES).figure_json)
    assert next(item["value"] for item in stored if item["key"] == "machines_in_custody") == 60
    worker.stop()  # before the Redis it consumes from, which the fixtures stop after the test
