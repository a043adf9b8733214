"""The two floor pages bench/load.sh measures next to the real ones: the floor passes every middleware and reads
nothing; the session floor is the same answer behind the login, reading only the session and the user. The bench
serves production's settings with those pages added, nothing else changed."""

import pytest
from django.conf import settings

import config.settings as production
from bench import load_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.load_urls")]


def test_bench_settings_are_productions_but_for_the_urlconf():
    def setting_names(module):  # as Django reads them; `import *` leaves out private ones such as _EMAIL
        return {name for name in dir(module) if name.isupper() and not name.startswith("_")}

    names = setting_names(production) | setting_names(load_settings)
    differ = {name for name in names if getattr(production, name, None) != getattr(load_settings, name, None)}

    assert differ == {"ROOT_URLCONF"}
    assert load_settings.ROOT_URLCONF == "bench.load_urls"


def test_floor_answers_anonymously_after_every_middleware_and_reads_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/bench/floor/")

    assert response.status_code == 200
    assert response.content == b"ok"
    # What the request log, the security, CSP and clickjacking middleware add: they all ran.
    assert response["X-Request-ID"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"] == "DENY"


def test_session_floor_sends_the_anonymous_to_log_in(client):
    response = client.get("/bench/floor/session/")

    assert response.status_code == 302
    assert response["Location"].startswith(settings.LOGIN_URL)


def test_session_floor_reads_the_session_and_the_user_and_nothing_more(
    client, compliance_user, django_assert_num_queries
):
    client.force_login(compliance_user)

    with django_assert_num_queries(2) as queries:
        response = client.get("/bench/floor/session/")

    assert response.status_code == 200
    assert response.content == b"ok"
    tables = [query["sql"].split(" FROM ", 1)[1].split()[0] for query in queries.captured_queries]
    assert tables == ['"django_session"', '"auth_user"']
