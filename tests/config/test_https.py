"""Production HTTPS behind a TLS proxy: redirect, secure cookies, HSTS, and probes that still answer."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def https(settings):
    # What SECURE_HTTPS=1 turns on (config/settings.py); the client is built after this, so middleware sees it.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


def test_plain_http_is_redirected_to_https(client, https):
    response = client.get("/shipments/?status=detained")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/shipments/?status=detained"


@pytest.mark.django_db
def test_https_from_the_proxy_gets_the_page_with_hsts(client, https):
    response = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "secure" in str(response.cookies["csrftoken"]).lower()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_over_plain_http_and_an_unlisted_host(client, https, path):
    # Orchestrators probe the container by IP over plain HTTP: neither the redirect nor the host check may fail it.
    response = client.get(path, headers={"host": "10.0.3.7:8000"})
    assert response.status_code == 200


def test_an_unlisted_host_is_refused_for_pages(client):
    response = client.get("/shipments/", headers={"host": "evil.example"})
    assert response.status_code == 400


def _deploy_check(**overrides) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "HASHPORT_VAR_DIR": os.environ.get("HASHPORT_VAR_DIR", str(ROOT / "var")),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "hashport.example.com",
        "SECURE_HTTPS": "1",
        "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
    } | overrides
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = _deploy_check()
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_https():
    result = _deploy_check(SECURE_HTTPS="0")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr
