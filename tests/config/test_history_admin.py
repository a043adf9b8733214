"""Past versions in the admin are for reading: nobody saves ("reverts") through them, whatever their permissions."""

import pytest

from seizures.models import Port

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed_port(customs_admin):
    port = Port.objects.get(code="2809")
    port.name, port._history_user = "Renamed by mistake", customs_admin
    port.save()
    return port


def _past_version_url(port) -> str:
    first = port.history.order_by("history_id").first()
    return f"/admin/seizures/port/{port.pk}/history/{first.history_id}/"


@pytest.mark.parametrize("who", ["customs", "view-only staff"])
def test_a_past_version_can_be_read_but_not_saved(client, customs_admin, make_user, renamed_port, who):
    user = customs_admin if who == "customs" else make_user("clerk", "Compliance", is_staff=True)
    client.force_login(user)
    url = _past_version_url(renamed_port)

    page = client.get(url)
    assert page.status_code == 200
    assert "Revert" not in page.text

    response = client.post(url, {"code": "2809", "name": "San Francisco", "state": "CA"})
    assert response.status_code == 403
    assert Port.objects.get(pk=renamed_port.pk).name == "Renamed by mistake"
