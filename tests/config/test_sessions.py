"""Sessions are read from the cache (Redis in production) and written through to the database (cached_db)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from seizures import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, make_user):
    client.force_login(make_user("someone", roles.EXECUTIVES))
    return client


def test_a_request_reads_the_session_from_the_cache_not_the_database(logged_in):
    with CaptureQueriesContext(connection) as queries:
        response = logged_in.get("/hashrate/")

    assert response.status_code == 200
    assert not [query["sql"] for query in queries.captured_queries if "django_session" in query["sql"]]


def test_a_session_outlives_the_cache(logged_in):
    cache.clear()  # a Redis restart without persistence, or an eviction

    assert logged_in.get("/hashrate/").status_code == 200


def test_a_logged_out_session_is_refused_though_sessions_are_cached(logged_in):
    cookie = logged_in.cookies["sessionid"].value
    assert logged_in.post("/accounts/logout/").status_code == 302

    logged_in.cookies["sessionid"] = cookie
    response = logged_in.get("/hashrate/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.services
def test_sessions_are_cached_in_redis(redis_url, logged_in):
    import redis

    session_key = logged_in.cookies["sessionid"].value

    keys = redis.Redis.from_url(redis_url).keys(f"*{session_key}")

    assert len(keys) == 1
