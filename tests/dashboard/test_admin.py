"""Milestones are edited in the admin by Customs admins; each edit re-renders the headline's annotations."""

import json

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.filters import Filters
from dashboard.models import Milestone

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customs_admin_adds_a_milestone_and_the_headline_annotates_it(client, customs_admin, reference_data):
    client.force_login(customs_admin)
    services.charts_render()

    response = client.post(
        "/admin/dashboard/milestone/add/",
        {"date": "2025-06-02", "title": "Notice of seizure", "detail": "", "source": "CBP notice", "is_shown": "on"},
    )

    assert response.status_code == 302
    assert Milestone.objects.filter(title="Notice of seizure").exists()
    headline = services.chart_rendered("custody-vs-share", Filters.default(timezone.localdate()))
    dates = [
        annotation["x"]
        for annotation in json.loads(headline.figure_json)["layout"]["annotations"]
        if annotation.get("name") == "milestone"
    ]
    assert "2025-06-02" in dates


def test_executives_cannot_edit_milestones(client, executive_user):
    client.force_login(executive_user)

    assert client.get("/admin/dashboard/milestone/add/").status_code == 302  # not staff: the admin's login
    assert not executive_user.has_perm("dashboard.add_milestone")


def test_rendered_charts_are_read_only_in_the_admin(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="a-long-test-password")
    client.force_login(root)
    services.charts_render()

    assert client.get("/admin/dashboard/renderedchart/").status_code == 200
    assert client.get("/admin/dashboard/renderrun/").status_code == 200
    assert client.get("/admin/dashboard/renderedchart/add/").status_code == 403
