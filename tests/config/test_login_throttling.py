"""django-axes: repeated failed logins lock a username out from one address; the right password then still fails."""

import pytest

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client, username, password, address="198.51.100.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_failures_lock_the_username_from_that_address(client, compliance_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "compliance", "wrong").status_code == 200  # the form again, with its error
    locked = _login(client, "compliance", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert "“compliance” is locked from this address for 15 minutes" in " ".join(locked.text.split())

    right_password = _login(client, "compliance", "a-long-test-password")
    assert right_password.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_address_and_per_username(client, compliance_user, executive_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "compliance", "wrong")
    assert _login(client, "executive", "a-long-test-password").status_code == 302
    client.logout()
    assert _login(client, "compliance", "a-long-test-password", address="203.0.113.9").status_code == 302


def test_a_success_resets_the_count(client, compliance_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "compliance", "wrong")
    assert _login(client, "compliance", "a-long-test-password").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "compliance", "wrong")
    assert _login(client, "compliance", "a-long-test-password").status_code == 302


def test_the_admin_login_is_throttled_too(client, customs_admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "customs", "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    response = client.post(
        "/admin/login/", {"username": "customs", "password": "a-long-test-password"}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 429
