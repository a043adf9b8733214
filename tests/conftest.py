"""Shared fixtures. Tests marked `services` need PostgreSQL (and Redis where they say): without them they skip,
unless REQUIRE_SERVICES=1, when a missing service is a failure."""

import os

import pytest
from celery import signals
from celery.contrib.pytest import (  # noqa: F401 (the plugin is not auto-loaded: its fixtures, imported here)
    celery_app,
    celery_enable_logging,
    celery_parameters,
    celery_worker,
    use_celery_app_trap,
)
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connections

from seizures import roles

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres():
    """Skip (or fail under REQUIRE_SERVICES=1) unless the tests run on PostgreSQL."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        _missing("the test needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url():
    """The Redis URL, or skip (fail under REQUIRE_SERVICES=1) when REDIS_URL is unset or unreachable."""
    url = settings.REDIS_URL
    if not url:
        _missing("the test needs Redis: set REDIS_URL=redis://…")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        _missing(f"Redis at {url} is unreachable: {error}")
    return url


@pytest.fixture
def make_user(django_user_model):
    """Create a user in the named roles (groups as created on migrate)."""

    def make(username="user", *role_names, is_staff=False, is_superuser=False, password="a-long-test-password"):
        user = django_user_model.objects.create_user(
            username=username, password=password, is_staff=is_staff, is_superuser=is_superuser
        )
        for role in role_names:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def compliance_user(make_user):
    return make_user("compliance", roles.COMPLIANCE)


@pytest.fixture
def executive_user(make_user):
    return make_user("executive", roles.EXECUTIVES)


@pytest.fixture
def customs_admin(make_user):
    return make_user("customs", roles.CUSTOMS_ADMINS, is_staff=True)


@pytest.fixture
def reference_data():
    """Reference rows and roles again: transactional tests flush what the migrations loaded."""
    from seizures.models import Manufacturer, MinerModel, Port
    from seizures.reference_data import ensure_reference_data

    ensure_reference_data(Manufacturer, MinerModel, Port)
    roles.ensure_roles()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (local memory outlives a test's rolled-back transaction)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def celery_in_process():
    """Run Celery tasks in the test's own process even when REDIS_URL names a broker.

    For tests of what a task does once it runs; tests of queueing, retries and locks use a real worker.
    """
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


# A real Celery worker: threads of this process consuming from the Redis broker of REDIS_URL (celery.contrib.pytest).
# Tests using it are transactional: the worker's threads have their own database connections.


@pytest.fixture(scope="session")
def celery_config():
    url = settings.REDIS_URL or "memory://"
    return {
        "broker_url": url,
        "result_backend": settings.REDIS_URL or "cache+memory://",
        "task_always_eager": False,
        "broker_connection_retry_on_startup": False,
        "worker_hijack_root_logger": False,
    }


@pytest.fixture(scope="session")
def celery_includes():
    return ["hashrate.tasks", "seizures.tasks", "dashboard.tasks"]


@pytest.fixture(scope="session")
def celery_worker_pool():
    return "threads"


@pytest.fixture(scope="session")
def celery_worker_parameters():
    # SQLite's shared in-memory test database refuses concurrent writers ("table is locked"): one thread there.
    concurrency = 1 if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else 2
    return {"concurrency": concurrency, "shutdown_timeout": 10}


def _close_thread_connections(**kwargs):
    connections.close_all()


@pytest.fixture
def redis_celery_app(redis_url, celery_app):  # noqa: F811
    """The test Celery app on the Redis broker, its queue emptied; each task closes its thread's DB connection."""
    celery_app.control.purge()
    signals.task_postrun.connect(_close_thread_connections, weak=False)
    yield celery_app
    signals.task_postrun.disconnect(_close_thread_connections)


@pytest.fixture
def redis_worker(redis_celery_app, celery_worker):  # noqa: F811
    """A worker consuming from Redis; the app to send tasks with."""
    return redis_celery_app
