"""/deadlines/ and its export, the shipment page's deadlines, the ledger's "next deadline" column and `due_within`
filter, and who may see what. "Today" is pinned to Monday 5 January 2026 (see the `today` fixture)."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from seizures import roles, services
from seizures.deadlines.display import state
from seizures.deadlines.selectors import overdue_deadline_count
from seizures.models import Deadline, DeadlineRule, EventKind, Port, ShipmentEvent
from tests.factories import ImporterFactory, make_shipment

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 1, 5)
A, B, C, D_, E = "DLA-0000001-1", "DLB-0000002-2", "DLC-0000003-3", "DLD-0000004-4", "DLE-0000005-5"


def pin_today(monkeypatch) -> datetime.date:
    """Pin the date every service, selector and view reads (timezone.localdate) to TODAY."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def today(monkeypatch):
    return pin_today(monkeypatch)


def _record(shipment, kind, day, **kwargs):
    services.shipment_record_event(shipment=shipment, kind=kind, occurred_on=day, **kwargs)


def make_deadline_ledger() -> None:
    """Five shipments whose open deadlines, by due date, are:
    D deemed exclusion 2025-12-03 (overdue 33 days), A petition 2025-12-31 (overdue 5 days), C detention decision
    2026-01-09 (in 4 days), B deemed exclusion 2026-01-28, D protest 2026-06-01. B's protest clock has not started
    (it starts 2026-01-28 if B is still detained) and E's custody is over.
    """
    alpha, beta, gamma = (ImporterFactory(name=n) for n in ("Alpha Mining LLC", "Beta Hash Inc", "Gamma Data"))
    la, sf, detroit = (Port.objects.get(code=c) for c in ("2704", "2809", "3801"))
    s21 = [("Antminer S21", 10, "3000")]
    a = make_shipment(entry_number=A, importer=alpha, port=la, lines=s21, arrived_on=D(2025, 11, 26))
    _record(a, EventKind.SEIZED, D(2025, 11, 28))
    _record(a, EventKind.SEIZURE_NOTICE, D(2025, 12, 1), reference="2026-2704-000001")
    b = make_shipment(entry_number=B, importer=beta, port=sf, lines=s21, arrived_on=D(2025, 12, 29))
    _record(b, EventKind.DETAINED, D(2025, 12, 30))
    make_shipment(entry_number=C, importer=alpha, port=detroit, lines=s21, arrived_on=D(2026, 1, 2))
    d = make_shipment(entry_number=D_, importer=gamma, port=sf, lines=s21, arrived_on=D(2025, 11, 3))
    _record(d, EventKind.DETAINED, D(2025, 11, 4))
    e = make_shipment(entry_number=E, importer=gamma, port=la, lines=s21, arrived_on=D(2025, 12, 1))
    _record(e, EventKind.DETAINED, D(2025, 12, 2))
    _record(e, EventKind.RELEASED, D(2025, 12, 10))


@pytest.fixture
def deadline_ledger(today):
    make_deadline_ledger()


ALL_OPEN = [
    (D_, "Deemed exclusion"),
    (A, "Petition for relief"),
    (C, "Detention decision"),
    (B, "Deemed exclusion"),
    (D_, "Protest of a deemed exclusion"),
]


@pytest.fixture
def compliance_client(client, compliance_user):
    client.force_login(compliance_user)
    return client


def listed(response) -> list[tuple[str, str]]:
    return [(row["entry_number"], row["rule"]) for row in response.context["rows"]]


def test_open_deadlines_are_listed_soonest_first_with_overdue_on_top(compliance_client, deadline_ledger):
    response = compliance_client.get("/deadlines/")
    assert response.status_code == 200
    assert listed(response) == ALL_OPEN
    states = [row["state"].text for row in response.context["rows"]]
    assert states == ["Overdue by 33 days", "Overdue by 5 days", "Due in 4 days", "Due in 23 days", "Due in 147 days"]
    assert response.context["counts"] == {"open": 5, "overdue": 2, "due_soon": 1}


def test_overdue_rows_are_red_and_link_to_their_shipment(compliance_client, deadline_ledger):
    body = compliance_client.get("/deadlines/").content.decode()
    assert body.count('<tr class="deadline-overdue">') == 2
    assert f'href="/shipments/{A}/#deadlines"' in body
    assert "verify with counsel" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("importer=Alpha+Mining+LLC", [(A, "Petition for relief"), (C, "Detention decision")]),
        ("port=2809", [(D_, "Deemed exclusion"), (B, "Deemed exclusion"), (D_, "Protest of a deemed exclusion")]),
        ("rule=deemed-exclusion", [(D_, "Deemed exclusion"), (B, "Deemed exclusion")]),
        ("due_within=7", ALL_OPEN[:3]),
        ("due_within=0", ALL_OPEN[:2]),
        ("due_within=7&port=2704", [(A, "Petition for relief")]),
    ],
)
def test_filters_return_exactly_the_matching_deadlines(compliance_client, deadline_ledger, query, expected):
    response = compliance_client.get(f"/deadlines/?{query}")
    assert not response.context["filter_form"].errors
    assert listed(response) == expected
    assert response.context["counts"]["open"] == len(expected)


@pytest.mark.parametrize("query", ["due_within=abc", "due_within=-1", "due_within=1.5", "rule=nope", "port=0000"])
def test_bad_filters_are_reported_and_the_rest_still_apply(compliance_client, deadline_ledger, query):
    response = compliance_client.get(f"/deadlines/?{query}&importer=Alpha+Mining+LLC")
    assert response.status_code == 200
    assert response.context["filter_form"].errors
    assert listed(response) == [(A, "Petition for relief"), (C, "Detention decision")]


def test_list_query_count_does_not_grow_with_the_rows(compliance_client, today, django_assert_max_num_queries):
    for n in range(3):
        make_shipment(entry_number=f"QDL-{n:07d}-0", lines=[("Antminer S21", 1, "1")], arrived_on=D(2025, 12, 1))
    with django_assert_max_num_queries(12) as few:
        compliance_client.get("/deadlines/")
    for n in range(3, 60):
        make_shipment(entry_number=f"QDL-{n:07d}-0", lines=[("Antminer S21", 1, "1")], arrived_on=D(2025, 12, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = compliance_client.get("/deadlines/?page=2")
    assert len(response.context["rows"]) == 10


def test_export_has_the_same_rows_and_filters(compliance_client, deadline_ledger):
    response = compliance_client.get("/deadlines/export.csv?port=2809")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["entry_number"], row["deadline"]) for row in rows] == ALL_OPEN[:1] + ALL_OPEN[3:]
    first = rows[0]
    assert first == {
        "due_on": "2025-12-03",
        "state": "overdue",
        "days_past_due": "33",
        "deadline": "Deemed exclusion",
        "legal_citation": "19 USC 1499(c)(5)",
        "verify_with_counsel": "yes",
        "entry_number": D_,
        "importer": "Gamma Data",
        "port_code": "2809",
        "clock_started_on": "2025-11-03",
        "clock_started_by": "Presentation (arrival)",
    }
    assert rows[-1]["clock_started_by"] == "Deemed exclusion deadline passed unmet"


def test_export_cells_cannot_run_as_spreadsheet_formulas(compliance_client, today):
    importer = ImporterFactory(name="=HYPERLINK(1)")
    make_shipment(importer=importer, lines=[("Antminer S21", 1, "1")], arrived_on=D(2026, 1, 2))
    body = b"".join(compliance_client.get("/deadlines/export.csv").streaming_content).decode()
    assert "'=HYPERLINK(1)" in body


def test_shipment_page_lists_open_met_and_missed_deadlines(compliance_client, today):
    shipment = make_shipment(entry_number=A, lines=[("Antminer S21", 10, "3000")], arrived_on=D(2025, 11, 3))
    _record(shipment, EventKind.DETAINED, D(2025, 11, 4))  # meets the detention decision
    _record(shipment, EventKind.SEIZED, D(2025, 12, 10))  # the deemed exclusion (due 2025-12-03) was missed
    _record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 12, 20), reference="2026-2809-000042")
    response = compliance_client.get(f"/shipments/{A}/")
    rows = {row["rule"].code: row for row in response.context["deadlines"]}
    assert rows["detention-decision"]["state"].text == "Met on 2025-11-04: detained"
    assert rows["deemed-exclusion"]["state"].text == "Missed: seized only on 2025-12-10"
    assert rows["petition-for-relief"]["state"].text == "Due in 14 days"
    assert rows["petition-for-relief"]["started"] == "Notice of seizure on 2025-12-20"
    assert rows["deemed-exclusion-protest"]["state"].text == "No longer applies: seized on 2025-12-10"
    body = response.content.decode()
    assert 'id="deadlines"' in body
    assert "Met on 2025-11-04: detained" in body


def test_shipment_page_says_when_a_deadline_no_longer_applies(compliance_client, today):
    shipment = make_shipment(entry_number=A, lines=[("Antminer S21", 10, "3000")], arrived_on=D(2025, 11, 3))
    _record(shipment, EventKind.SEIZED, D(2025, 11, 4))
    _record(shipment, EventKind.SEIZURE_NOTICE, D(2025, 11, 5))
    _record(shipment, EventKind.RELEASED, D(2025, 11, 20))
    rows = {row["rule"].code: row for row in compliance_client.get(f"/shipments/{A}/").context["deadlines"]}
    assert rows["petition-for-relief"]["state"].text == "No longer applies: custody ended on 2025-11-20"


def test_ledger_shows_each_shipments_next_deadline_red_when_overdue(compliance_client, deadline_ledger):
    response = compliance_client.get("/shipments/?ordering=next_deadline_on")
    assert [(row["entry_number"], row["next_deadline_on"]) for row in response.context["rows"]] == [
        (D_, "2025-12-03"),
        (A, "2025-12-31"),
        (C, "2026-01-09"),
        (B, "2026-01-28"),
        (E, "—"),
    ]
    body = response.content.decode()
    assert body.count('<td class="overdue">') == 2
    assert ">Next deadline</a>" in body


@pytest.mark.parametrize(("days", "expected"), [("7", [A, D_, C]), ("0", [A, D_]), ("30", [B, A, D_, C])])
def test_ledger_due_within_filter(compliance_client, deadline_ledger, days, expected):
    response = compliance_client.get(f"/shipments/?due_within={days}")
    assert not response.context["filter_form"].errors
    assert [row["entry_number"] for row in response.context["rows"]] == expected
    assert response.context["totals"]["shipments"] == len(expected)


def test_ledger_due_within_refuses_a_bad_number(compliance_client, deadline_ledger):
    response = compliance_client.get("/shipments/?due_within=soon")
    assert "due_within" in response.context["filter_form"].errors
    assert len(response.context["rows"]) == 5


# Permissions.


def test_anonymous_users_are_sent_to_log_in(client):
    for url in ("/deadlines/", "/deadlines/export.csv", "/deadlines/calendar/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_executives_see_deadlines_but_cannot_export_them(client, executive_user, deadline_ledger):
    client.force_login(executive_user)
    response = client.get("/deadlines/")
    assert response.status_code == 200
    assert "export.csv" not in response.content.decode()
    assert client.get("/deadlines/export.csv").status_code == 403


def test_users_without_a_role_are_refused(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get("/deadlines/").status_code == 403
    assert client.get("/deadlines/calendar/").status_code == 403


def test_nav_links_to_deadlines_for_those_who_may_see_them(client, compliance_user, make_user):
    client.force_login(compliance_user)
    assert 'href="/deadlines/"' in client.get("/shipments/").content.decode()


# (permission, Compliance, Executives, Customs admins)
MATRIX = [
    ("seizures.view_deadline", True, True, True),
    ("seizures.export_deadlines", True, False, True),
    ("seizures.view_deadlinerule", True, True, True),
    ("seizures.change_deadlinerule", False, False, True),
    ("seizures.add_deadlinerule", False, False, True),
    ("seizures.delete_deadlinerule", False, False, False),
    ("seizures.view_deadlinerecompute", False, False, True),
    ("seizures.change_deadline", False, False, False),
]


@pytest.mark.parametrize(("permission", "compliance", "executive", "customs"), MATRIX)
def test_deadline_permissions_by_role(make_user, permission, compliance, executive, customs):
    expected = {roles.COMPLIANCE: compliance, roles.EXECUTIVES: executive, roles.CUSTOMS_ADMINS: customs}
    for role, allowed in expected.items():
        user = make_user(f"user-{role}", role)
        assert user.has_perm(permission) is allowed, f"{role} / {permission}"


def test_overdue_count_for_the_dashboard(deadline_ledger):
    assert overdue_deadline_count() == 2


@pytest.mark.parametrize(
    ("status", "closed_on", "event_kind", "text"),
    [
        ("open", None, None, "Overdue by 1 day"),
        ("met", D(2026, 1, 2), "petition_filed", "Met on 2026-01-02: petition filed"),
        ("missed", D(2026, 1, 9), "petition_filed", "Missed: petition filed only on 2026-01-09"),
        ("missed", D(2026, 1, 9), "seized", "Missed: due 2026-01-04, before the seized on 2026-01-09"),
        ("missed", D(2026, 1, 9), None, "Missed: custody ended on 2026-01-09 without it"),
        ("lapsed", D(2026, 1, 3), "seized", "No longer applies: seized on 2026-01-03"),
        ("lapsed", D(2026, 1, 3), None, "No longer applies: custody ended on 2026-01-03"),
    ],
)
def test_where_a_deadline_stands_reads_plainly(status, closed_on, event_kind, text):
    rule = DeadlineRule(satisfied_by=["petition_filed"], lapses_with=["seized"])
    event = ShipmentEvent(kind=event_kind, occurred_on=closed_on) if event_kind else None
    deadline = Deadline(
        rule=rule, starts_on=D(2025, 12, 5), due_on=D(2026, 1, 4), status=status, closed_on=closed_on, closed_by=event
    )
    assert state(deadline, TODAY).text == text
