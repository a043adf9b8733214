"""Fixtures for the production tests: processes stopped after each test, the compose project on this machine, and
the Celery broker emptied around each test."""

import shutil
import tempfile
from pathlib import Path

import pytest
import redis
from django.db import connection

from tests.production.compose import Deployment, shared_postgres_url
from tests.production.processes import Process

STOP_GRACE_S = 3  # a warm shutdown is not under test here: SIGKILL what has not stopped by then


@pytest.fixture
def spawn(tmp_path):
    """Start a Process: spawn(name, argv, env). Every one is stopped after the test; their output is printed, which
    pytest shows when the test fails."""
    started: list[Process] = []

    def start(name: str, argv: list[str], env: dict[str, str]) -> Process:
        process = Process(name, argv, env=env, log_dir=tmp_path)
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.stop(timeout=STOP_GRACE_S)
    for process in started:
        print(process.report())


@pytest.fixture
def deployment(postgres, redis_url):
    """The compose project on this machine: the test's database and Redis, a free web port, a short temporary
    directory for the container's paths (a Unix socket path must stay under 108 bytes)."""
    root = Path(tempfile.mkdtemp(prefix="hashport-"))
    yield Deployment(database_url=shared_postgres_url(connection.settings_dict["NAME"]), redis_url=redis_url, root=root)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def broker(redis_url):
    """The project's Celery app on the Redis broker, its queue empty before and after the test (messages a killed
    worker took stay `unacked` in Redis until the visibility timeout: dropped too)."""
    from config.celery import app

    def empty():
        app.control.purge()
        redis.Redis.from_url(redis_url).delete("unacked", "unacked_index")

    empty()
    yield app
    empty()
