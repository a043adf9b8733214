"""docker-compose.yml's own commands, run as written against real PostgreSQL and Redis; only the hosts, ports and
paths of this machine are swapped in (tests/production/compose.py).

The web service migrates an empty database and serves behind the TLS proxy, the worker runs what the broker hands
it, and beat keeps its schedule file and sends every entry that fell due while it was down.
"""

import datetime
import json
import re
import shelve
from pathlib import Path

import httpx
import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from hashrate import reference_data
from hashrate.models import NetworkHashrate, Outcome, RefreshRun, Source
from tests.hashrate.conftest import payload
from tests.production.compose import create_superuser, image_build_step, log_in, shared_postgres_url
from tests.production.processes import run, wait_until

pytestmark = pytest.mark.services

STYLESHEET = re.compile(r'href="(/static/[^"]+\.css)"')


@pytest.fixture
def fresh_database(deployment):
    """An empty database on the shared server, as the first `docker compose up` finds it; the deployment uses it."""
    name = f"{settings.DATABASES['default']['NAME']}_compose"
    with psycopg.connect(shared_postgres_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    deployment.database_url = shared_postgres_url(name)
    yield deployment
    with psycopg.connect(shared_postgres_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def cookie_flags(response: httpx.Response, name: str) -> set[str]:
    """The attributes of the cookie `name` that the response sets (Secure, HttpOnly, Path=/, …)."""
    for header in response.headers.get_list("set-cookie"):
        cookie, *flags = (part.strip() for part in header.split(";"))
        if cookie.startswith(f"{name}="):
            return set(flags)
    raise AssertionError(f"{response.url} sets no {name} cookie")


def json_lines(output: str) -> list[dict]:
    lines = []
    for line in output.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return [line for line in lines if isinstance(line, dict)]


def test_web_migrates_an_empty_database_and_serves_a_logged_in_user_behind_the_tls_proxy(fresh_database, spawn):
    deployment = fresh_database
    run(["sh", "-c", deployment.swap(image_build_step("collectstatic"))], env=deployment.build_environment())
    env = deployment.environment("web")
    assert env["SECURE_HTTPS"] == "1", ".env.example should turn HTTPS on for production"
    web = spawn("web", deployment.command("web"), env)
    web.wait_for_output("Listening at:", timeout=90)  # migrated; the user is created while gunicorn's workers boot
    password = create_superuser(env)
    web.wait_for_url(deployment.url("/healthz"))

    # Probes: by address, over plain HTTP, without the proxy, as compose's healthcheck and a load balancer send them.
    run(deployment.healthcheck("web"), env=env, timeout=10)
    ready = httpx.get(deployment.url("/readyz"))
    assert (ready.status_code, ready.json()) == (200, {"database": "ok", "broker": "ok"})
    plain = httpx.get(deployment.url("/accounts/login/"), headers={"Host": deployment.public_host})
    assert (plain.status_code, plain.headers["location"]) == (301, f"https://{deployment.public_host}/accounts/login/")

    with deployment.client() as browser:
        login = browser.get("/accounts/login/")
        assert login.status_code == 200
        assert login.headers["strict-transport-security"].startswith("max-age=")
        assert "Secure" in cookie_flags(login, "csrftoken")
        stylesheet = browser.get(STYLESHEET.search(login.text).group(1))
        assert stylesheet.status_code == 200
        assert stylesheet.headers["content-type"].startswith("text/css")

        ledger = log_in(browser, "ops", password)

        assert (ledger.status_code, ledger.url.path) == (200, "/shipments/")
        assert "<span>ops</span>" in ledger.text
        assert {"Secure", "HttpOnly"} <= cookie_flags(ledger.history[0], "sessionid")

    # One JSON object per log line on stdout, the request's own line among them.
    logged = web.wait_for(
        lambda: [line for line in json_lines(web.output()) if line.get("path") == "/shipments/"],
        "a JSON log line for /shipments/",
    )
    assert logged[0]["logger"] == "hashport.request"
    assert (logged[0]["status"], logged[0]["user_id"] is not None) == (200, True)


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_refresh_sent_through_the_broker(deployment, broker, spawn, httpserver):
    reference_data.ensure_reference_data()
    source = Source.objects.get(slug="mempool-hashrate")
    source.url = httpserver.url_for("/hashrate")
    source.save(update_fields=["url"])
    httpserver.expect_request("/hashrate").respond_with_data(
        payload("mempool-hashrate-1w.json"), content_type="application/json"
    )
    worker = spawn("worker", deployment.command("worker"), deployment.environment("worker"))
    worker.wait_for_output(" ready.")

    broker.send_task("hashrate.tasks.refresh_source", args=["mempool-hashrate"])

    finished = worker.wait_for(
        lambda: RefreshRun.objects.filter(source=source).exclude(outcome=Outcome.RUNNING).first(),
        "a finished refresh run",
    )
    assert (finished.outcome, finished.rows_added) == (Outcome.SUCCEEDED, 7)
    assert NetworkHashrate.objects.filter(source=source).count() == 7
    traced = worker.wait_for(
        lambda: [
            line
            for line in json_lines(worker.output())
            if "succeeded" in line.get("message", "") and "hashrate.tasks.refresh_source" in line.get("message", "")
        ],
        "a JSON log line for the task",
    )
    assert (traced[0]["level"], traced[0]["logger"]) == ("INFO", "celery.app.trace")  # Django's JSON formatter


def broker_messages(app, count: int, timeout: float = 20) -> list[tuple[str, tuple]]:
    """Take `count` task messages off the default queue (fewer if the time runs out): (task name, args)."""
    taken = []
    with app.connection_for_read() as connection, connection.SimpleQueue(app.conf.task_default_queue) as queue:

        def take():
            try:
                message = queue.get(timeout=0.5)
            except queue.Empty:
                return len(taken) >= count
            message.ack()
            args, _kwargs, _embed = message.decode()
            taken.append((message.headers["task"], tuple(args)))
            return len(taken) >= count

        wait_until(take, f"{count} messages on the broker", timeout=timeout, interval=0)
    return taken


def test_beat_keeps_its_schedule_file_and_sends_every_entry_missed_while_it_was_down(deployment, broker, spawn):
    argv = deployment.command("beat")
    schedule_file = Path(argv[argv.index("--schedule") + 1])
    env = deployment.environment("beat")
    beat = spawn("beat", argv, env)

    def stored_entries():
        if not schedule_file.exists():
            return None
        try:
            with shelve.open(str(schedule_file), flag="r") as store:
                return store.get("entries")
        except Exception:  # caught mid-write: look again
            return None

    beat.wait_for(
        lambda: set(settings.CELERY_BEAT_SCHEDULE) <= set(stored_entries() or ()),
        "schedule file naming every entry of CELERY_BEAT_SCHEDULE",
    )
    beat.stop()

    # Down for 40 days: every entry, the monthly one too, missed a run.
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=40)
    with shelve.open(str(schedule_file)) as store:
        entries = store["entries"]
        for entry in entries.values():
            entry.last_run_at = long_ago
        store["entries"] = entries
    restarted = spawn("beat-restarted", argv, env)

    sent = broker_messages(broker, count=len(settings.CELERY_BEAT_SCHEDULE))

    assert sorted(sent) == sorted(
        (entry["task"], tuple(entry.get("args", ()))) for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
    for name in settings.CELERY_BEAT_SCHEDULE:
        assert f"Sending due task {name} " in restarted.output()
