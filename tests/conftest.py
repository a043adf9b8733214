"""Shared fixtures. Tests marked `services` need PostgreSQL (and Redis where they say): without them they skip,
unless REQUIRE_SERVICES=1, when a missing service is a failure."""

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

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
