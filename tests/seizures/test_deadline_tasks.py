"""The deadline tasks on a real Celery worker (threads of this process) against the Redis broker of REDIS_URL: a
rule edited in the admin is recomputed by the worker, and the daily digest is mailed by it.

Skipped without Redis (a failure under REQUIRE_SERVICES=1). Transactional: the worker has its own connections.
"""

import time

import pytest

from seizures import roles
from seizures.deadlines.seeds import ensure_seeded_rules
from seizures.models import Deadline, DeadlineRecompute, DeadlineRule, RecomputeStatus
from tests.seizures.test_deadlines_recompute import _rule_form
from tests.seizures.test_deadlines_views import A, make_deadline_ledger, pin_today

WAIT_S = 30
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deadline_ledger(reference_data, monkeypatch):
    ensure_seeded_rules(DeadlineRule)
    pin_today(monkeypatch)  # the worker's threads share this process, so they see the pinned day too
    make_deadline_ledger()


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT_S} s for {what}"
        time.sleep(0.1)


def test_a_rule_edited_in_the_admin_is_recomputed_by_the_worker(redis_worker, deadline_ledger, client, customs_admin):
    rule = DeadlineRule.objects.get(code="petition-for-relief")
    assert Deadline.objects.get(shipment__entry_number=A, rule=rule).due_on.isoformat() == "2025-12-31"
    client.force_login(customs_admin)

    response = client.post(f"/admin/seizures/deadlinerule/{rule.pk}/change/", _rule_form(rule, offset_days=60))

    assert response.status_code == 302
    run = DeadlineRecompute.objects.get()
    wait_for(lambda: DeadlineRecompute.objects.get(pk=run.pk).status == RecomputeStatus.DONE, "the recompute")
    assert Deadline.objects.get(shipment__entry_number=A, rule=rule).due_on.isoformat() == "2026-01-30"


def test_the_digest_task_mails_on_the_worker(redis_worker, deadline_ledger, make_user, mailoutbox):
    for username in ("ann", "bob"):
        user = make_user(username, roles.COMPLIANCE)
        user.email = f"{username}@example.com"
        user.save()

    result = redis_worker.send_task("seizures.tasks.send_deadline_digest")

    assert result.get(timeout=WAIT_S) == 2
    assert sorted(message.to[0] for message in mailoutbox) == ["ann@example.com", "bob@example.com"]
