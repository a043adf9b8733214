"""/deadlines/calendar.ics: an iCalendar feed parsed back with `icalendar`, authenticated by a per-user token
without a session (rotating or revoking the token refuses the old one), and the page that hands the token out."""

import datetime

import icalendar
import pytest
from django.utils import timezone

from seizures.deadlines import services as deadline_services
from seizures.errors import LedgerError
from seizures.models import CalendarToken, Deadline
from tests.seizures.test_deadlines_views import D_, A, B, C, make_deadline_ledger, pin_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    return pin_today(monkeypatch)


@pytest.fixture
def deadline_ledger(today):
    make_deadline_ledger()


D = datetime.date


def feed(client, token, query=""):
    return client.get(f"/deadlines/calendar.ics?token={token}{query}")


def entries(response) -> list[tuple]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return [(event.get("dtstart").dt, str(event.get("summary"))) for event in calendar.walk("VEVENT")]


def test_feed_lists_open_deadlines_as_all_day_entries_without_a_session(client, compliance_user, deadline_ledger):
    token = deadline_services.calendar_token_rotate(user=compliance_user)
    response = feed(client, token)  # `client` has no session: the token alone authenticates
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert entries(response) == [
        (D(2025, 12, 3), f"OVERDUE: Deemed exclusion due: {D_}"),
        (D(2025, 12, 31), f"OVERDUE: Petition for relief due: {A}"),
        (D(2026, 1, 9), f"Detention decision due: {C}"),
        (D(2026, 1, 28), f"Deemed exclusion due: {B}"),
        (D(2026, 6, 1), f"Protest of a deemed exclusion due: {D_}"),
    ]


def test_feed_entries_carry_a_stable_uid_the_citation_and_a_link(client, compliance_user, deadline_ledger):
    token = deadline_services.calendar_token_rotate(user=compliance_user)
    calendar = icalendar.Calendar.from_ical(feed(client, token, "&rule=petition-for-relief").content)
    assert str(calendar.get("x-wr-calname")) == "Hashport deadlines"
    [event] = calendar.walk("VEVENT")
    deadline = Deadline.objects.get(shipment__entry_number=A, rule__code="petition-for-relief")
    assert str(event.get("uid")) == deadline.calendar_uid
    assert event.get("dtend").dt == D(2026, 1, 1)
    description = str(event.get("description"))
    assert "19 CFR 171.2" in description
    assert "verify with counsel" in description
    assert str(event.get("url")) == f"http://testserver/shipments/{A}/"


def test_feed_takes_the_list_filters(client, compliance_user, deadline_ledger):
    token = deadline_services.calendar_token_rotate(user=compliance_user)
    assert [summary for _, summary in entries(feed(client, token, "&port=2809&due_within=30"))] == [
        f"OVERDUE: Deemed exclusion due: {D_}",
        f"Deemed exclusion due: {B}",
    ]


def test_feed_leaves_out_deadlines_overdue_for_more_than_90_days(client, compliance_user, deadline_ledger, monkeypatch):
    token = deadline_services.calendar_token_rotate(user=compliance_user)
    # 91 days after D's deemed exclusion fell due; B's protest clock has started by then.
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 3, 4))
    summaries = [summary for _, summary in entries(feed(client, token))]
    assert f"OVERDUE: Deemed exclusion due: {D_}" not in summaries
    assert summaries == [
        f"OVERDUE: Petition for relief due: {A}",
        f"OVERDUE: Detention decision due: {C}",
        f"OVERDUE: Deemed exclusion due: {B}",
        f"Protest of a deemed exclusion due: {D_}",
        f"Protest of a deemed exclusion due: {B}",
    ]


@pytest.mark.parametrize("query", ["", "?token=", "?token=not-a-token"])
def test_feed_without_a_valid_token_is_refused(client, compliance_user, deadline_ledger, query):
    deadline_services.calendar_token_rotate(user=compliance_user)
    response = client.get(f"/deadlines/calendar.ics{query}")
    assert response.status_code == 403
    assert b"BEGIN:VCALENDAR" not in response.content


def test_a_rotated_token_is_refused_and_the_new_one_works(client, compliance_user, deadline_ledger):
    old = deadline_services.calendar_token_rotate(user=compliance_user)
    new = deadline_services.calendar_token_rotate(user=compliance_user)
    assert old != new
    assert feed(client, old).status_code == 403
    assert feed(client, new).status_code == 200


def test_a_revoked_token_is_refused(client, compliance_user, deadline_ledger):
    token = deadline_services.calendar_token_rotate(user=compliance_user)
    deadline_services.calendar_token_revoke(user=compliance_user)
    assert feed(client, token).status_code == 403


def test_tokens_are_stored_only_as_digests(compliance_user):
    token = deadline_services.calendar_token_rotate(user=compliance_user)
    stored = CalendarToken.objects.get(user=compliance_user).digest
    assert token not in stored
    assert stored == deadline_services.token_digest(token)


def test_token_of_a_deactivated_user_or_one_without_the_role_is_refused(client, compliance_user, deadline_ledger):
    token = deadline_services.calendar_token_rotate(user=compliance_user)
    compliance_user.groups.clear()
    assert feed(client, token).status_code == 403
    compliance_user.is_active = False
    compliance_user.save()
    assert feed(client, token).status_code == 403


def test_users_who_may_not_see_deadlines_get_no_token(make_user):
    with pytest.raises(LedgerError, match="only users who may see deadlines"):
        deadline_services.calendar_token_rotate(user=make_user("nobody"))


def test_subscription_page_shows_a_new_link_once_and_rotates_it(client, compliance_user, deadline_ledger):
    client.force_login(compliance_user)
    assert "You have no calendar link." in client.get("/deadlines/calendar/").content.decode()
    response = client.post("/deadlines/calendar/", {"action": "rotate"})
    url = response.context["feed_url"]
    assert url.startswith("http://testserver/deadlines/calendar.ics?token=")
    assert url in response.content.decode()
    token = url.split("token=")[1]
    assert "token=" not in client.get("/deadlines/calendar/").content.decode()  # never shown again
    client.post("/deadlines/calendar/", {"action": "rotate"})
    client.logout()
    assert feed(client, token).status_code == 403


def test_subscription_page_revokes_the_link(client, compliance_user):
    client.force_login(compliance_user)
    client.post("/deadlines/calendar/", {"action": "rotate"})
    client.post("/deadlines/calendar/", {"action": "revoke"})
    assert not CalendarToken.objects.filter(user=compliance_user).exists()
