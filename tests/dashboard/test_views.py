"""/dashboard/ and /dashboard/charts/<slug>.json|.csv: permissions, ETags, filters, and what the page says."""

import csv
import io
import json

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.models import RenderedChart, RenderRun
from seizures import roles

pytestmark = pytest.mark.django_db
SLUGS = ["custody-vs-share", "custody-hashrate-vs-us", "custody-by-manufacturer", "custody-by-port", "status"]


@pytest.fixture
def executive_client(client, executive_user):
    client.force_login(executive_user)
    return client


@pytest.fixture
def rendered(ledger):
    services.charts_render()


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/charts/status.json", "/dashboard/charts/status.csv"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/charts/status.json", "/dashboard/charts/status.csv"])
def test_a_user_without_a_role_is_refused(client, make_user, url):
    client.force_login(make_user("nobody"))

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", [roles.EXECUTIVES, roles.COMPLIANCE, roles.CUSTOMS_ADMINS])
@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/charts/status.json", "/dashboard/charts/status.csv"])
def test_every_role_may_read_the_dashboard(client, make_user, rendered, role, url):
    client.force_login(make_user("someone", role))

    assert client.get(url).status_code == 200


def test_the_chart_json_is_the_stored_figure_with_the_data_version_as_etag(executive_client, rendered):
    stored = RenderedChart.objects.get(slug="custody-vs-share")

    response = executive_client.get("/dashboard/charts/custody-vs-share.json")

    assert response["Content-Type"] == "application/json"
    assert response["ETag"] == stored.etag == f'"{stored.data_version}-{timezone.localdate():%Y%m%d}-1"'
    assert response["Cache-Control"] == "private, no-cache"
    assert response.content.decode() == stored.figure_json
    assert json.loads(response.content)["layout"]["title"]["text"].startswith("Machines held at US ports")


def test_an_unchanged_chart_answers_304_and_a_changed_one_its_new_version(executive_client, rendered):
    etag = executive_client.get("/dashboard/charts/status.json")["ETag"]

    unchanged = executive_client.get("/dashboard/charts/status.json", headers={"If-None-Match": etag})
    services.data_version_bump()
    changed = executive_client.get("/dashboard/charts/status.json", headers={"If-None-Match": etag})

    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_serving_a_stored_chart_reads_the_data_version_and_the_chart(
    executive_client, rendered, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # session, user, permission, the chart with the data version
        response = executive_client.get("/dashboard/charts/status.json")
    assert response.status_code == 200


def test_an_unknown_chart_is_404(executive_client):
    assert executive_client.get("/dashboard/charts/pie.json").status_code == 404


def test_the_csv_is_the_charts_data_as_a_download(executive_client, rendered):
    response = executive_client.get("/dashboard/charts/custody-by-port.csv")

    assert response["Content-Disposition"] == (
        f'attachment; filename="hashport-custody-by-port-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0] == {
        "port_code": "2809",
        "port": "San Francisco",
        "units_in_custody": "80",
        "value_in_custody_usd": "220000.00",
        "hashrate_in_custody_ths": "15500.00",
    }


def test_filtered_charts_follow_the_query_string(executive_client, rendered):
    response = executive_client.get("/dashboard/charts/custody-by-port.csv?port=3801&start=2025-01&end=2025-01")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["port_code"], row["units_in_custody"]) for row in rows] == [("3801", "20")]
    assert RenderRun.objects.count() == 1  # the filtered chart is not stored


def test_the_page_shows_the_key_figures_with_source_method_and_as_of(executive_client, rendered):
    response = executive_client.get("/dashboard/")
    body = response.content.decode()

    assert response.status_code == 200
    for text in ("Machines in custody", "80", "Value in custody", "$220k", "Hashrate in custody", "15.5 PH/s"):
        assert text in body
    assert body.count("Source: Hashport ledger (CBP events as recorded)") == 6  # the five above and overdue deadlines
    assert body.count(f"as of {timezone.localdate():%Y-%m-%d}") == 6
    assert "Method: declared unit value × units held" in body
    assert "US share of network hashrate" in body
    assert "Pool share measures where pools are run, not where the machines hash." in body


def test_the_page_links_every_chart_to_its_json_and_csv(executive_client, rendered):
    body = executive_client.get("/dashboard/").content.decode()

    for slug in [*SLUGS, "days-in-custody"]:
        assert f'data-chart-url="/dashboard/charts/{slug}.json"' in body
        assert f'href="/dashboard/charts/{slug}.csv"' in body
    assert "<script>" not in body
    assert 'src="/static/js/plotly.min.js"' in body
    assert 'src="/static/js/dashboard.js"' in body


def test_filters_in_the_query_string_reach_every_chart_url(executive_client, rendered):
    body = executive_client.get("/dashboard/?manufacturer=Canaan&start=2025-01").content.decode()

    assert (
        'data-chart-url="/dashboard/charts/status.json?start=2025-01&amp;end='
        f'{timezone.localdate():%Y-%m}&amp;manufacturer=Canaan&amp;port=&amp;share_source="'
    ) in body
    assert "Canaan" in body


def test_invalid_filters_are_dropped_with_a_message(executive_client, rendered):
    response = executive_client.get("/dashboard/?start=2025-13&port=9999&end=2025-01&manufacturer=Canaan")
    body = response.content.decode()

    assert response.status_code == 200
    assert "Some filters were not applied" in body
    assert "manufacturer=Canaan" in body


def test_the_default_page_reads_stored_figures(executive_client, rendered, django_assert_max_num_queries):
    executive_client.get("/dashboard/")

    with django_assert_max_num_queries(12):
        executive_client.get("/dashboard/")
    assert RenderRun.objects.count() == 1


def test_the_page_is_served_with_a_strict_content_security_policy(executive_client, rendered):
    policy = executive_client.get("/dashboard/")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_the_nav_links_the_dashboard_for_roles_that_may_read_it(executive_client, rendered):
    assert '<a href="/dashboard/">Dashboard</a>' in executive_client.get("/shipments/").content.decode()


def test_the_overdue_deadlines_card_counts_open_deadlines_past_due(executive_client, ledger):
    from seizures.models import Deadline

    services.charts_render()
    overdue = Deadline.objects.overdue(timezone.localdate()).count()
    assert overdue > 0  # the fixture's shipments arrived in 2024: their detention decisions are long past
    body = " ".join(executive_client.get("/dashboard/").content.decode().split())
    assert (
        f'data-key="overdue_deadlines"> <h2>Overdue legal deadlines</h2> <p class="kpi-value">{overdue:,}</p>' in body
    )
