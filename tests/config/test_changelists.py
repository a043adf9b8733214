"""Admin changelists refuse lookups the database cannot run (config/changelists.py): back to the list with ?e=1."""

import pytest

from tests.factories import make_shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client, make_user):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        # The date hierarchy: year 9999 has no following year, twenty digits no C long (Django ticket #37357).
        "/admin/hashrate/networkhashrate/?day__year=9999",
        "/admin/hashrate/refreshrun/?started_at__year=99999999999999999999",
        "/admin/seizures/shipment/?arrived_on__year=99999999999999999999",
        # NUL characters, which PostgreSQL cannot compare text with (Django ticket #30064).
        "/admin/seizures/shipment/?status__exact=de%00tained",
        "/admin/seizures/port/?state__exact=%00",
        "/admin/seizures/manufacturer/?name=%00",
        "/admin/hashrate/source/?method__exact=%00",
        # Other apps' admin classes get the same check.
        "/admin/axes/accessattempt/?attempt_time__year=9999",
        "/admin/axes/accessattempt/?ip_address=%00",
        "/admin/auth/user/?username=%00",
        "/admin/auth/group/?name=%00",
    ],
)
def test_a_lookup_the_database_cannot_run_sends_back_to_the_list(root_client, url):
    response = root_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == url.split("?")[0] + "?e=1"


def test_good_lookups_still_filter(root_client):
    make_shipment(entry_number="AAA-0000001-1", lines=[("Antminer S21", 10, "3000")])
    response = root_client.get("/admin/seizures/shipment/?arrived_on__year=2024&status__exact=recorded")
    assert response.status_code == 200
    assert [shipment.entry_number for shipment in response.context["cl"].result_list] == ["AAA-0000001-1"]


def test_a_lookup_that_can_match_nothing_lists_nothing(root_client):
    make_shipment(entry_number="AAA-0000001-1", lines=[("Antminer S21", 10, "3000")])
    response = root_client.get("/admin/seizures/shipment/?id=99999999999999999999")
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
