"""PostgreSQL restarted while the app runs: the next requests succeed (persistent connections are health-checked).

The shared server is never touched: the test runs its own cluster (initdb, pg_ctl on a free port) and points the
compose web command at it. Skipped without PostgreSQL's server binaries (a failure under REQUIRE_SERVICES=1).
"""

import os
import pwd
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest import _missing
from tests.production.compose import create_superuser, log_in
from tests.production.processes import free_port, run, wait_until

pytestmark = pytest.mark.services

GUNICORN_WORKERS = 3  # docker-compose.yml's --workers


def _server_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


@dataclass
class Cluster:
    """A private PostgreSQL cluster: trust authentication, user postgres, on 127.0.0.1:port."""

    bindir: Path
    root: Path
    port: int
    run_as: list[str]  # PostgreSQL refuses to run as root: `runuser -u postgres --` then

    @property
    def data(self) -> Path:
        return self.root / "data"

    def command(self, program: str, *args: str) -> str:
        env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
        return run([*self.run_as, str(self.bindir / program), *args], env=env, timeout=60)

    def pg_ctl(self, action: str, *args: str) -> str:
        # -l: the server's output to a file, or pg_ctl's caller would wait on a pipe the server keeps open.
        return self.command("pg_ctl", action, "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", *args)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def client_backends(self, database: str) -> list[int]:
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'", [database]
            )
            return [pid for (pid,) in rows]


@pytest.fixture
def cluster():
    bindir = _server_binaries()
    if bindir is None:
        _missing("the test needs PostgreSQL's server binaries (initdb, pg_ctl)")
    root = Path(tempfile.mkdtemp(prefix="hashport-pg-"))
    run_as = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(bindir=bindir, root=root, port=free_port(), run_as=run_as)
    cluster.command("initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    cluster.pg_ctl("start", "-o", options)
    try:
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE hashport")
        yield cluster
    finally:
        cluster.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_requests_after_a_postgres_restart_succeed(cluster, deployment, spawn):
    deployment.database_url = cluster.url("hashport")
    env = deployment.environment("web")
    web = spawn("web", deployment.command("web"), env)
    web.wait_for_output("Listening at:", timeout=90)  # migrated; the user is created while gunicorn's workers boot
    password = create_superuser(env)
    web.wait_for_url(deployment.url("/healthz"))
    with deployment.client() as browser:
        assert log_in(browser, "ops", password).status_code == 200
        statuses = []

        def every_worker_connected() -> bool:
            # A gunicorn worker opens its connection on its first request and keeps it (CONN_MAX_AGE).
            statuses.extend(browser.get(path).status_code for path in ("/shipments/", "/readyz"))
            return len(cluster.client_backends("hashport")) == GUNICORN_WORKERS

        wait_until(every_worker_connected, "persistent connection from each gunicorn worker", timeout=30)
        before = set(cluster.client_backends("hashport"))

        cluster.pg_ctl("restart", "-m", "fast")

        # Each worker's next request finds its connection dead: it must reconnect, not answer 500 (or 503).
        statuses.clear()
        wait_until(every_worker_connected, "connection from each gunicorn worker after the restart", timeout=30)
        assert not before & set(cluster.client_backends("hashport"))
        assert set(statuses) == {200}, statuses
        assert browser.get("/readyz").json() == {"database": "ok", "broker": "ok"}
