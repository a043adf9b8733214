"""PostgreSQL prepares the queries a connection runs again and again (config/settings.py), and can be told not to."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.services
@pytest.mark.django_db
def test_a_query_run_more_than_five_times_is_prepared_once(postgres):
    for _ in range(5):
        assert not Session.objects.filter(session_key="no-such-session").exists()
    assert not [statement for statement in _prepared_statements() if "django_session" in statement]

    assert not Session.objects.filter(session_key="no-such-session").exists()

    prepared = [statement for statement in _prepared_statements() if "django_session" in statement]
    assert len(prepared) == 1
    assert "$1" in prepared[0]  # the parameter is bound by the server, so every session key shares the plan


def _database_options(**env) -> dict:
    code = "from django.conf import settings; import json; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    environment = {
        **{name: value for name, value in os.environ.items() if name != "DB_PREPARED_STATEMENTS"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hashport",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_prepared_statements_are_on_by_default_and_off_for_a_pooling_proxy():
    assert _database_options() == {"server_side_binding": True, "prepare_threshold": 5}
    assert _database_options(DB_PREPARED_STATEMENTS="0") == {}
