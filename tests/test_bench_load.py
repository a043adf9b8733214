"""bench/load.sh: gunicorn as docker-compose.yml runs it, driven by wrk on every endpoint, ends with a JSON line
of figures and no errors; its wrk script stops at the request bound and counts a redirect to the login page as an
error; the closing report fails the run on errors and on a slow dashboard."""

import itertools
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml
from django.conf import settings
from pytest_httpserver import HTTPServer
from werkzeug import Response

from bench import load_helper

REPO = Path(__file__).resolve().parents[1]
LOAD_SH = REPO / "bench" / "load.sh"
WRK_SCRIPT = REPO / "bench" / "load_report.lua"
REQUEST_BOUND = 400


@pytest.fixture
def wrk():
    path = shutil.which("wrk")
    if path is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 but wrk is not installed (apt-get install wrk)")
        pytest.skip("wrk is not installed (apt-get install wrk)")
    return path


@pytest.fixture
def load_database_url(postgres):
    """A database of its own for load.sh (which migrates and fills it), dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"test_{db['NAME'].removeprefix('test_')}_bench_load"
    admin = {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"], "password": db["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(command: list[str], env: dict, timeout: int) -> subprocess.CompletedProcess:
    """Run in a session of its own, so a timeout stops the script (whose trap stops gunicorn) and its children."""
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        pytest.fail(f"{command[0]} took over {timeout} s\n{out[-3000:]}\n{err[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, out, err)


@pytest.mark.services
def test_load_runs_every_endpoint_without_errors_and_stops_gunicorn(load_database_url, redis_url, wrk):
    # The suite's Redis db: the render the fresh database's migrate queues there is flushed by the next test's
    # _fresh_cache, before any test's Celery worker could take it.
    env = {**os.environ, "DATABASE_URL": load_database_url, "REDIS_URL": redis_url}
    # Few connections, so that even on a busy machine each page answers within the short duration.
    sizes = ["--shipments", "200", "--duration", "2", "--connections", "4", "--requests", str(REQUEST_BOUND)]

    result = run([str(LOAD_SH), *sizes, "--min-ratio", "0"], env, timeout=120)

    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    figures = json.loads(result.stdout.splitlines()[-1])
    assert figures["shipments"] == 200
    assert figures["errors"] == 0
    for name in load_helper.ENDPOINTS:
        assert figures[f"{name}_errors"] == 0, name
        assert 0 < figures[f"{name}_requests"] <= REQUEST_BOUND, name
        assert figures[f"{name}_req_per_s"] > 0, name
        assert 0 < figures[f"{name}_p50_ms"] <= figures[f"{name}_p99_ms"], name
    assert figures["dashboard_vs_healthz_ratio"] == pytest.approx(
        figures["dashboard_req_per_s"] / figures["healthz_req_per_s"], abs=0.001
    )
    assert figures["session_floor_vs_healthz_ratio"] == pytest.approx(
        figures["session_floor_req_per_s"] / figures["healthz_req_per_s"], abs=0.001
    )
    started = next(line for line in result.stdout.splitlines() if line.startswith("==> Starting gunicorn"))
    port = int(started.rsplit("127.0.0.1:", 1)[1].split()[0])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


@pytest.fixture
def redirect_then_page(httpserver):
    """Two requests in three are redirected to the login page, as when the session is refused."""
    answers = itertools.count()

    def handler(request):
        if next(answers) % 3:
            return Response("", status=302, headers={"Location": "/accounts/login/?next=/dashboard/"})
        return Response("page")

    httpserver.expect_request("/dashboard/").respond_with_handler(handler)
    return httpserver.url_for("/dashboard/")


def wrk_figures(wrk, url: str, *script_args: str, threads: int = 1, connections: int = 1) -> dict:
    """One second of bench/load_report.lua on url (one thread, one connection unless told): its figures line."""
    result = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", "-d1s", "-s", str(WRK_SCRIPT), url, "--", *script_args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("wrk-figures "))
    return json.loads(line.removeprefix("wrk-figures "))


def test_wrk_script_counts_a_redirect_as_an_error_and_stops_at_the_bound(redirect_then_page, wrk):
    figures = wrk_figures(wrk, redirect_then_page, "30", "1")

    assert figures["requests"] == 30
    assert figures["bad_statuses"] == {"302": 20}
    assert figures["bad_status"] == 20
    assert figures["threads_stopped_at_bound"] == 1
    assert figures["p50_ms"] <= figures["p99_ms"]


@pytest.fixture
def concurrent_page():
    """A server that answers every connection at once, so that a thread's connections finish together."""
    server = HTTPServer(threaded=True)
    server.expect_request("/page").respond_with_data("page")
    server.start()
    yield server.url_for("/page")
    server.clear()
    server.stop()


def test_wrk_script_splits_the_bound_exactly_between_threads_and_keeps_late_responses_apart(concurrent_page, wrk):
    # 31 over 2 threads: 16 + 15. Each thread's 4 connections have requests in flight when it stops at its share.
    figures = wrk_figures(wrk, concurrent_page, "31", "2", threads=2, connections=8)

    assert figures["requests"] == 31
    assert figures["threads_stopped_at_bound"] == 2
    assert 0 <= figures["late_responses"] <= 2 * 3
    assert figures["bad_status"] == 0


@pytest.fixture
def not_modified_then_page(httpserver):
    """A 304 for two requests in three, as a revalidated chart answers; a 200 with the body otherwise."""
    answers = itertools.count()

    def handler(request):
        return Response("", status=304) if next(answers) % 3 else Response("chart")

    httpserver.expect_request("/chart.json").respond_with_handler(handler)
    return httpserver.url_for("/chart.json")


def test_wrk_script_counts_every_status_but_the_expected_one_as_an_error(not_modified_then_page, wrk):
    figures = wrk_figures(wrk, not_modified_then_page, "30", "1", "304")

    assert figures["requests"] == 30
    assert figures["bad_statuses"] == {"200": 10}


def _results(**req_per_s_and_errors) -> list[dict]:
    context = {"shipments": 10, "duration_s": 1, "connections": 2, "load_avg_1m_before": 0.5, "cpus": 2}
    runs = []
    for name in load_helper.ENDPOINTS:
        req_per_s, bad = req_per_s_and_errors.get(name, (100.0, {}))
        figures = {
            "requests": 100,
            "req_per_s": req_per_s,
            "p50_ms": 5.0,
            "p99_ms": 9.0,
            "bad_status": sum(bad.values()),
            "bad_statuses": bad,
            "socket_errors": 0,
            "timeouts": 0,
            "threads_stopped_at_bound": 0,
        }
        runs.append({"endpoint": name, "path": f"/{name}", "figures": figures})
    return [context, *runs]


def test_report_fails_on_an_error_response():
    figures, failures = load_helper.report(_results(ledger=(50.0, {"302": 3})), min_ratio=0.5)

    assert figures["errors"] == 3
    assert figures["ledger_errors"] == 3
    assert failures == ["ledger: 3 errors (3 × 302; 0 socket errors, 0 timeouts)"]


def test_report_fails_when_the_dashboard_serves_less_than_half_of_healthz():
    figures, failures = load_helper.report(_results(healthz=(1000.0, {}), dashboard=(400.0, {})), min_ratio=0.5)

    assert figures["dashboard_vs_healthz_ratio"] == 0.4
    assert figures["errors"] == 0
    assert failures == ["the dashboard served 0.400 of /healthz's throughput (target at least 0.5)"]
    assert load_helper.report(_results(healthz=(1000.0, {}), dashboard=(500.0, {})), min_ratio=0.5)[1] == []


def test_report_sets_the_floors_against_healthz_and_the_dashboard_against_the_session_floor_without_a_target():
    figures, failures = load_helper.report(
        _results(healthz=(1000.0, {}), floor=(520.0, {}), session_floor=(150.0, {}), dashboard=(600.0, {})),
        min_ratio=0.5,
    )

    assert figures["floor_vs_healthz_ratio"] == 0.52
    assert figures["session_floor_vs_healthz_ratio"] == 0.15
    assert figures["dashboard_vs_session_floor_ratio"] == 4.0
    assert failures == []


def test_gunicorn_runs_with_the_compose_arguments_on_loopback():
    command = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["web"]["command"]
    in_compose = shlex.split(shlex.split(command)[2].split("&&")[-1])
    bind = in_compose.index("--bind")

    args = load_helper.compose_gunicorn_args(8123)

    assert args[0] == "gunicorn"
    assert "--bind=127.0.0.1:8123" in args
    assert [arg for arg in args if not arg.startswith("--bind=")] == in_compose[:bind] + in_compose[bind + 2 :]


def test_load_refuses_a_bound_smaller_than_the_thread_count():
    # Each wrk thread sends at least one request, so a smaller bound could not be kept.
    result = subprocess.run(
        [str(LOAD_SH), "--requests", "1", "--threads", "2"], cwd=REPO, capture_output=True, text=True, timeout=30
    )

    assert result.returncode == 1
    assert "--requests must be 0 or at least --threads (2)" in result.stderr
