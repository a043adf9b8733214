"""Sessions live in the database alone, so a logout is final even when the cache missed it."""

import pytest
from django.core.cache import cache

from seizures import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, make_user):
    client.force_login(make_user("someone", roles.EXECUTIVES))
    return client


def test_a_session_outlives_the_cache(logged_in):
    cache.clear()  # a Redis restart without persistence, or an eviction

    assert logged_in.get("/hashrate/").status_code == 200


def test_a_logged_out_session_is_refused(logged_in):
    cookie = logged_in.cookies["sessionid"].value
    assert logged_in.post("/accounts/logout/").status_code == 302

    logged_in.cookies["sessionid"] = cookie
    response = logged_in.get("/hashrate/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_nothing_of_the_session_is_kept_in_the_cache(logged_in):
    # A cached copy could outlive a logout made while Redis was unreachable (its delete skipped).
    session_key = logged_in.cookies["sessionid"].value
    logged_in.get("/hashrate/")
    assert not any(
        cache.has_key(prefix + session_key)
        for prefix in ("django.contrib.sessions.cached_db", "django.contrib.sessions.cache")
    )
