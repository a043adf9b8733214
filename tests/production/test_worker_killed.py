"""A worker killed (SIGKILL) in the middle of a refresh: no partial rows, the lock expires, the next run completes.

The worker is docker-compose.yml's command in a real process on the test's database. To kill it mid-write, the test
holds the source's row: the refresh inserts its rows, then waits on that row for its last UPDATE, inside the one
transaction that would commit them, and is killed there.
"""

import time

import pytest
import redis
from django.db import connection, connections

from hashrate import reference_data
from hashrate.locks import lock_name
from hashrate.models import CountryShare, Outcome, RefreshRun, Source
from tests.hashrate.conftest import payload
from tests.production.processes import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LOCK_TTL_S = 8  # HASHRATE_LOCK_TTL_S for the workers: long enough to outlast the kill, short to wait out
SLUG = "mempool-pools"


def _backends(condition: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            f"AND {condition}",
            params,
        )
        return [pid for (pid,) in cursor.fetchall()]


def test_a_worker_killed_mid_write_leaves_no_rows_and_the_next_run_completes(
    deployment, broker, spawn, httpserver, redis_url
):
    reference_data.ensure_reference_data()
    source = Source.objects.get(slug=SLUG)
    source.url = httpserver.url_for("/pools")
    source.save(update_fields=["url"])
    httpserver.expect_request("/pools").respond_with_data(
        payload("mempool-pools-24h.json"), content_type="application/json"
    )
    locks = redis.Redis.from_url(redis_url)
    locks.delete(lock_name(SLUG))
    env = deployment.environment("worker", HASHRATE_LOCK_TTL_S=str(LOCK_TTL_S))
    worker = spawn("worker", deployment.command("worker"), env)
    worker.wait_for_output(" ready.")

    holder = connections.create_connection("default")
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {Source._meta.db_table} WHERE id = %s FOR NO KEY UPDATE", [source.pk])
        broker.send_task("hashrate.tasks.refresh_source", args=[SLUG])
        # Waiting on the held row, with a transaction id: it has already written (the shares, uncommitted).
        [writer] = worker.wait_for(
            lambda: _backends("wait_event_type = 'Lock' AND backend_xid IS NOT NULL", []),
            "refresh waiting to write the source row",
        )
        shares_written = "pid IN (SELECT pid FROM pg_locks WHERE relation = %s::regclass AND mode = 'RowExclusiveLock')"
        assert _backends(f"pid = %s AND {shares_written}", [writer, CountryShare._meta.db_table])
        worker.kill()
        killed_at = time.monotonic()
        assert locks.exists(lock_name(SLUG)), "the dead worker's lock should still be held"
    finally:
        holder.rollback()
        holder.close()
    # Released, the dead worker's backend finds its client gone and rolls the transaction back.
    wait_until(lambda: not _backends("pid = %s", [writer]), "end of the killed worker's database session")

    assert not CountryShare.objects.filter(source=source).exists()
    dead_run = RefreshRun.objects.get(source=source)
    assert dead_run.outcome != Outcome.SUCCEEDED
    assert dead_run.rows_added == 0
    source.refresh_from_db()
    assert source.last_success_at is None

    replacement = spawn("worker-2", deployment.command("worker"), env)
    wait_until(lambda: not locks.exists(lock_name(SLUG)), "expiry of the dead worker's lock", timeout=LOCK_TTL_S + 2)
    assert time.monotonic() - killed_at <= LOCK_TTL_S + 1
    replacement.wait_for_output(" ready.")

    broker.send_task("hashrate.tasks.refresh_source", args=[SLUG])

    finished = replacement.wait_for(
        lambda: (
            RefreshRun.objects.filter(source=source).exclude(pk=dead_run.pk).exclude(outcome=Outcome.RUNNING).first()
        ),
        "a finished second refresh",
    )
    assert (finished.outcome, finished.rows_added) == (Outcome.SUCCEEDED, 3)
    # The dead worker's run no longer claims to be running: the next run that took the lock closed it.
    dead_run.refresh_from_db()
    assert dead_run.outcome == Outcome.FAILED
    assert "its worker died" in dead_run.message
    assert dict(CountryShare.objects.filter(source=source).values_list("country", "share_pct")).keys() == {
        "US",
        "CN",
        "ZZ",
    }
