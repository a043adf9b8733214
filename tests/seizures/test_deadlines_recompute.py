"""A rule change recomputes every shipment's deadlines (a Celery task, in-process here) with its progress in the
admin; the chunked recompute agrees with the per-event derivation, resumes, and gives way to a newer run."""

import datetime

import pytest

from seizures import tasks
from seizures.deadlines import services as deadline_services
from seizures.models import Deadline, DeadlineRecompute, DeadlineRule, RecomputeStatus, Shipment
from tests.seizures.test_deadlines_views import D_, A, B, C, E, make_deadline_ledger, pin_today

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_process")]


@pytest.fixture
def today(monkeypatch):
    return pin_today(monkeypatch)


@pytest.fixture
def deadline_ledger(today):
    make_deadline_ledger()


D = datetime.date


def stored(entry_numbers=(A, B, C, D_, E)) -> dict:
    """Every deadline and next deadline date, keyed by entry number."""
    deadlines = Deadline.objects.filter(shipment__entry_number__in=entry_numbers).select_related("shipment", "rule")
    return {
        "deadlines": sorted(
            (d.shipment.entry_number, d.rule.code, d.starts_on, d.due_on, d.status, d.closed_on, d.closed_by_id)
            for d in deadlines
        ),
        "next": dict(
            Shipment.objects.filter(entry_number__in=entry_numbers).values_list("entry_number", "next_deadline_on")
        ),
    }


@pytest.fixture
def admin_client_of(client, customs_admin, django_capture_on_commit_callbacks):
    """A Customs admin's client whose requests run what they queue on commit (the task, in-process)."""
    client.force_login(customs_admin)

    class Committing:
        def get(self, *args, **kwargs):
            return client.get(*args, **kwargs)

        def post(self, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(*args, **kwargs)

    return Committing()


def _rule_form(rule: DeadlineRule, **changes) -> dict:
    data = {
        "name": rule.name,
        "code": rule.code,
        "starts_with": rule.starts_with,
        "after_rule": rule.after_rule_id or "",
        "only_if": rule.only_if,
        "offset_days": rule.offset_days,
        "day_count": rule.day_count,
        "satisfied_by": rule.satisfied_by,
        "lapses_with": rule.lapses_with,
        "citation": rule.citation,
        "note": rule.note,
    }
    for flag in ("extends_to_business_day", "ends_with_custody", "verify_with_counsel", "is_active"):
        if getattr(rule, flag):
            data[flag] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_editing_a_rules_days_in_the_admin_recomputes_every_deadline(admin_client_of, deadline_ledger):
    rule = DeadlineRule.objects.get(code="petition-for-relief")
    response = admin_client_of.post(
        f"/admin/seizures/deadlinerule/{rule.pk}/change/", _rule_form(rule, offset_days=45), follow=True
    )
    assert response.status_code == 200
    assert "being recomputed" in response.content.decode()
    petition = Deadline.objects.get(shipment__entry_number=A, rule=rule)
    assert petition.due_on == D(2026, 1, 15)  # notice 2025-12-01 + 45 days
    assert Shipment.objects.get(entry_number=A).next_deadline_on == D(2026, 1, 15)
    run = DeadlineRecompute.objects.get()
    assert run.status == RecomputeStatus.DONE
    assert (run.shipments_done, run.shipments_total, run.percent_done) == (5, 5, 100)
    assert run.reason == "rule “Petition for relief” changed"
    assert run.requested_by.username == "customs"


def test_editing_only_the_note_recomputes_nothing(admin_client_of, deadline_ledger):
    rule = DeadlineRule.objects.get(code="petition-for-relief")
    admin_client_of.post(f"/admin/seizures/deadlinerule/{rule.pk}/change/", _rule_form(rule, note="Checked."))
    assert DeadlineRule.objects.get(pk=rule.pk).note == "Checked."
    assert not DeadlineRecompute.objects.exists()


def test_switching_a_rule_off_removes_its_deadlines(admin_client_of, deadline_ledger):
    rule = DeadlineRule.objects.get(code="deemed-exclusion")
    admin_client_of.post(f"/admin/seizures/deadlinerule/{rule.pk}/change/", _rule_form(rule, is_active=False))
    assert not Deadline.objects.filter(rule__code__in=["deemed-exclusion", "deemed-exclusion-protest"]).exists()
    assert Shipment.objects.get(entry_number=D_).next_deadline_on is None
    assert Shipment.objects.get(entry_number=B).next_deadline_on is None


def test_deleting_rules_from_the_list_recomputes_every_deadline_once(
    client, make_user, deadline_ledger, django_capture_on_commit_callbacks
):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))  # Customs admins may not delete rules
    # The rules nothing chains after (a rule another one follows cannot be deleted).
    rules = list(DeadlineRule.objects.filter(followers__isnull=True).order_by("name"))
    before = stored()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/seizures/deadlinerule/",
            {"action": "delete_selected", "_selected_action": [rule.pk for rule in rules], "post": "yes"},
            follow=True,
        )

    assert "being recomputed" in response.content.decode()
    assert not DeadlineRule.objects.filter(pk__in=[rule.pk for rule in rules]).exists()
    run = DeadlineRecompute.objects.get()
    assert run.status == RecomputeStatus.DONE
    assert run.reason == ("rules " + ", ".join(f"“{rule.name}”" for rule in rules) + " deleted")[:200]
    after = stored()
    assert after["next"] != before["next"]  # the deleted rules' deadlines no longer set any next deadline
    deadline_services.deadlines_recompute_all(run=DeadlineRecompute.objects.create(reason="check"))
    assert stored() == after


def test_satisfying_events_are_edited_as_checkboxes(admin_client_of, deadline_ledger):
    rule = DeadlineRule.objects.get(code="deemed-exclusion")
    form = _rule_form(rule, satisfied_by=["released", "seized", "abandoned"])
    admin_client_of.post(f"/admin/seizures/deadlinerule/{rule.pk}/change/", form)
    assert DeadlineRule.objects.get(pk=rule.pk).satisfied_by == ["seized", "released", "abandoned"]  # kinds' order


def test_a_new_rule_starts_its_clocks_on_every_shipment(admin_client_of, deadline_ledger):
    form = {
        "name": "Export after release",
        "code": "export-after-release",
        "starts_with": "detained",
        "offset_days": "60",
        "day_count": "calendar",
        "satisfied_by": ["exported"],
        "citation": "19 CFR 151.16(j)",
        "ends_with_custody": "on",
        "is_active": "on",
    }
    response = admin_client_of.post("/admin/seizures/deadlinerule/add/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    started = Deadline.objects.filter(rule__code="export-after-release")
    assert sorted(started.values_list("shipment__entry_number", "status")) == [
        (B, "open"),
        (D_, "open"),
        (E, "lapsed"),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_with": "rule_missed", "after_rule": ""}, "after_rule", "Name the rule"),
        ({"after_rule": "self"}, "after_rule", "Only a clock that starts when"),
    ],
)
def test_rule_form_refuses_an_incoherent_chain(admin_client_of, changes, field, message):
    rule = DeadlineRule.objects.get(code="petition-for-relief")
    if changes.get("after_rule") == "self":
        changes["after_rule"] = DeadlineRule.objects.get(code="deemed-exclusion").pk
    response = admin_client_of.post(f"/admin/seizures/deadlinerule/{rule.pk}/change/", _rule_form(rule, **changes))
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])


def test_rule_form_refuses_a_circle_of_chained_rules(admin_client_of):
    leader = DeadlineRule.objects.get(code="deemed-exclusion")
    follower = DeadlineRule.objects.get(code="deemed-exclusion-protest")
    form = _rule_form(leader, starts_with="rule_missed", after_rule=follower.pk)
    response = admin_client_of.post(f"/admin/seizures/deadlinerule/{leader.pk}/change/", form)
    assert "in a circle" in str(response.context["adminform"].form.errors["after_rule"])


def test_recompute_progress_shows_in_the_admin(admin_client_of, deadline_ledger):
    admin_client_of.post("/admin/seizures/deadlinerecompute/recompute-now/")
    body = admin_client_of.get("/admin/seizures/deadlinerecompute/").content.decode()
    assert '<progress max="100" value="100"></progress> 100% (5 of 5 shipments)' in body
    assert "Recompute every shipment" in body


def test_only_customs_admins_follow_and_start_recomputes(client, make_user):
    client.force_login(make_user("exec", "Executives", is_staff=True))
    assert client.get("/admin/seizures/deadlinerecompute/").status_code == 403
    client.post("/admin/seizures/deadlinerecompute/recompute-now/")
    assert not DeadlineRecompute.objects.exists()
    assert client.get("/admin/seizures/deadlinerule/").status_code == 200  # rules can be read


def test_full_recompute_agrees_with_the_per_event_derivation(deadline_ledger):
    derived = stored()
    Deadline.objects.all().delete()
    Shipment.objects.update(next_deadline_on=None)
    run = DeadlineRecompute.objects.create(reason="test")
    deadline_services.deadlines_recompute_all(run=run, chunk_size=2)
    after = stored()
    assert after["next"] == derived["next"]
    assert [row[:6] for row in after["deadlines"]] == [row[:6] for row in derived["deadlines"]]
    assert DeadlineRecompute.objects.get(pk=run.pk).shipments_done == 5


def test_full_recompute_with_copy_and_bulk_updates_on_postgresql(postgres, deadline_ledger, monkeypatch):
    monkeypatch.setattr(deadline_services, "SQL_WRITES_ABOVE", 0)
    derived = stored()
    Deadline.objects.all().delete()
    Shipment.objects.update(next_deadline_on=None)
    deadline_services.deadlines_recompute_all(run=DeadlineRecompute.objects.create(reason="copy"), chunk_size=3)
    assert [row[:6] for row in stored()["deadlines"]] == [row[:6] for row in derived["deadlines"]]
    # A rule change then updates rows in place through UPDATE … FROM (VALUES …).
    DeadlineRule.objects.filter(code="petition-for-relief").update(offset_days=45)
    deadline_services.deadlines_recompute_all(run=DeadlineRecompute.objects.create(reason="update"))
    assert Deadline.objects.get(shipment__entry_number=A, rule__code="petition-for-relief").due_on == D(2026, 1, 15)
    assert stored()["next"][A] == D(2026, 1, 15)


def test_recompute_without_changes_writes_nothing(deadline_ledger):
    run = DeadlineRecompute.objects.create(reason="test")
    deadline_services.deadlines_recompute_all(run=run)
    assert run.message.endswith("0 deadline rows written, updated or removed.")


def test_recompute_resumes_after_its_last_shipment(deadline_ledger):
    last_two = list(Shipment.objects.order_by("pk").values_list("pk", flat=True))[-2:]
    Deadline.objects.all().delete()
    run = DeadlineRecompute.objects.create(reason="test", last_shipment_id=last_two[0] - 1, shipments_done=3)
    deadline_services.deadlines_recompute_all(run=run)
    assert set(Deadline.objects.values_list("shipment_id", flat=True)) == set(last_two)
    assert run.shipments_done == 5


def test_a_later_request_supersedes_a_running_recompute(deadline_ledger):
    older = DeadlineRecompute.objects.create(reason="first")
    DeadlineRecompute.objects.create(reason="second")
    deadline_services.deadlines_recompute_all(run=older)
    assert older.status == RecomputeStatus.SUPERSEDED


def test_recompute_task_runs_the_queued_run(deadline_ledger):
    run = DeadlineRecompute.objects.create(reason="task")
    assert tasks.recompute_deadlines.apply(args=(run.pk,)).get() == RecomputeStatus.DONE
    assert tasks.recompute_deadlines.apply(args=(run.pk,)).get() == RecomputeStatus.DONE  # again: nothing to do
    assert tasks.recompute_deadlines.apply(args=(999_999,)).get() == "no such run"
