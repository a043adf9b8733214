"""The daily digest: one mail to each active Compliance user with an address, listing the deadlines due in the
next 7 days and those overdue (locmem outbox), sent by a Celery task on the beat schedule."""

import datetime

import pytest
from django.conf import settings

from seizures import roles, tasks
from seizures.deadlines import digest
from tests.seizures.test_deadlines_views import D_, A, B, C, make_deadline_ledger, pin_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    return pin_today(monkeypatch)


@pytest.fixture
def deadline_ledger(today):
    make_deadline_ledger()


@pytest.fixture
def recipients(make_user):
    """Two Compliance users with addresses; one without, one deactivated, and an executive: no mail for those."""
    for username, role, email, active in [
        ("ann", roles.COMPLIANCE, "ann@example.com", True),
        ("bob", roles.COMPLIANCE, "bob@example.com", True),
        ("noaddress", roles.COMPLIANCE, "", True),
        ("gone", roles.COMPLIANCE, "gone@example.com", False),
        ("boss", roles.EXECUTIVES, "boss@example.com", True),
    ]:
        user = make_user(username, role)
        user.email, user.is_active = email, active
        user.save()


def test_each_compliance_user_gets_one_digest(deadline_ledger, recipients, mailoutbox):
    assert digest.deadline_digest_send() == 2
    assert sorted(message.to[0] for message in mailoutbox) == ["ann@example.com", "bob@example.com"]
    assert all(len(message.to) == 1 for message in mailoutbox)  # no one sees the others' addresses


def test_digest_lists_the_week_ahead_and_the_overdue_newest_first(deadline_ledger, recipients, mailoutbox):
    digest.deadline_digest_send()
    message = mailoutbox[0]
    assert message.subject == "Hashport deadlines 2026-01-05: 2 overdue, 1 due in the next 7 days"
    body = message.body
    overdue, upcoming = body.split("DUE IN THE NEXT 7 DAYS")
    assert "OVERDUE: 2" in overdue
    assert overdue.index(A) < overdue.index(D_)  # petition overdue 5 days before the deemed exclusion of 33
    assert "Petition for relief (19 CFR 171.2)" in overdue
    assert "Overdue by 5 days" in overdue
    assert f"{settings.HASHPORT_BASE_URL}/shipments/{A}/" in overdue
    assert ": 1" in upcoming.splitlines()[0]
    assert C in upcoming
    assert "Due in 4 days" in upcoming
    assert B not in body  # due in 23 days
    assert f"{settings.HASHPORT_BASE_URL}/deadlines/" in body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'<a href="{settings.HASHPORT_BASE_URL}/shipments/{C}/">{C}</a>' in html


def test_long_lists_are_cut_and_say_how_many_there_are(deadline_ledger, recipients, mailoutbox, monkeypatch):
    monkeypatch.setattr(digest, "DIGEST_LIMIT", 1)
    digest.deadline_digest_send()
    body = mailoutbox[0].body
    assert "OVERDUE: 2 (the 1 most recent below)" in body
    assert A in body
    assert D_ not in body


def test_no_digest_when_nothing_is_due_or_overdue(recipients, today, mailoutbox):
    assert digest.deadline_digest_send() == 0
    assert mailoutbox == []


def test_the_daily_task_sends_the_digest_on_the_beat_schedule(deadline_ledger, recipients, mailoutbox):
    entry = settings.CELERY_BEAT_SCHEDULE["deadlines-digest"]
    assert entry["task"] == tasks.send_deadline_digest.name
    assert tasks.send_deadline_digest.apply().get() == 2
    assert len(mailoutbox) == 2


def test_mail_goes_to_the_console_unless_an_smtp_url_is_set():
    assert settings.MAILERS["default"]["BACKEND"] in (
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",  # the test runner's
    )


def test_digest_dates_are_today_in_the_ledger_time_zone(deadline_ledger, today):
    built = digest.build_digest()
    assert built.today == datetime.date(2026, 1, 5)
    assert (built.overdue_count, built.upcoming_count) == (2, 1)
