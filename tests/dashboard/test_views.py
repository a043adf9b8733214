"""/dashboard/ and /dashboard/charts/<slug>.json|.csv: permissions, ETags, filters, and what the page says."""

import csv
import datetime
import io
import json
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from dashboard import services, views
from dashboard.models import ChartSlug, RenderedChart, RenderRun
from seizures import roles
from seizures import services as ledger_services
from seizures.models import Port

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
    with django_assert_max_num_queries(4):  # session, user, permissions, the chart with the data version
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

    with django_assert_max_num_queries(4):
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


# The page cache: the page is rendered once per key figures' ETag, day and filters; each user's bits every time.


def key_figure(body: str, key: str) -> str:
    return re.search(rf'data-key="{key}">\s*<h2>[^<]*</h2>\s*<p class="kpi-value">([^<]*)</p>', body).group(1)


def logged_in_as(body: str) -> str:
    return re.search(r'<form class="logout"[^>]*>.*?<span>([^<]*)</span>', body, re.S).group(1)


def csrf_token(body: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


def test_a_warm_page_reads_the_session_user_permissions_and_the_key_figures_version_only(
    executive_client, rendered, django_assert_num_queries
):
    executive_client.get("/dashboard/")

    # The form's choices, the demo flag and the figures come with the cached page.
    with django_assert_num_queries(4):
        response = executive_client.get("/dashboard/")

    assert key_figure(response.content.decode(), "machines_in_custody") == "80"


def test_a_release_shows_on_the_next_request_of_a_cached_page(
    executive_client, rendered, ledger, django_capture_on_commit_callbacks
):
    before = executive_client.get("/dashboard/").content.decode()
    s1 = ledger["s1"]

    with django_capture_on_commit_callbacks(execute=True):  # ledger_changed is sent after the commit
        ledger_services.shipment_release(
            shipment=s1,
            units_by_line={s1.lines.get(miner_model__name="Antminer S21"): 20},
            occurred_on=datetime.date(2025, 4, 1),
        )
    after = executive_client.get("/dashboard/").content.decode()

    assert key_figure(before, "machines_in_custody") == "80"
    assert key_figure(after, "machines_in_custody") == "60"


def test_a_page_served_while_a_render_is_pending_gives_way_to_the_render(executive_client, rendered, ledger):
    """With a worker, a change schedules a render and pages serve the stored figures meanwhile: the page is cached
    under what it was built from, not under the version that is still rendering."""
    executive_client.get("/dashboard/")
    s1 = ledger["s1"]
    ledger_services.shipment_release(
        shipment=s1,
        units_by_line={s1.lines.get(miner_model__name="Antminer S21"): 20},
        occurred_on=datetime.date(2025, 4, 1),
    )
    services.data_version_bump()
    cache.set(services.RENDER_PENDING_KEY, "now")

    meanwhile = executive_client.get("/dashboard/").content.decode()
    services.charts_render(trigger="task")
    rendered_since = executive_client.get("/dashboard/").content.decode()

    assert key_figure(meanwhile, "machines_in_custody") == "80"
    assert key_figure(rendered_since, "machines_in_custody") == "60"


def test_a_renamed_port_shows_in_the_filters_on_the_next_request(
    executive_client, rendered, django_capture_on_commit_callbacks
):
    executive_client.get("/dashboard/")
    port = Port.objects.get(code="3801")

    with django_capture_on_commit_callbacks(execute=True):
        port.name = "Detroit Metropolitan"
        port.save()

    body = executive_client.get("/dashboard/").content.decode()

    assert '<option value="3801">3801 Detroit Metropolitan</option>' in body


def test_users_never_see_each_others_name_nav_or_token(client, make_user, rendered):
    """The page rendered for one user is served to the next; their name, nav and CSRF token are their own."""
    executive = make_user("exec-one", roles.EXECUTIVES)
    compliance = make_user("comp-two", roles.COMPLIANCE)
    admin = make_user("admin-three", roles.CUSTOMS_ADMINS, is_staff=True)
    pages = {}
    for user in (executive, compliance, admin, executive):
        client.force_login(user)
        pages.setdefault(user.username, []).append(client.get("/dashboard/").content.decode())

    for name, bodies in pages.items():
        for body in bodies:
            assert logged_in_as(body) == name
            assert key_figure(body, "machines_in_custody") == "80"
            for other in pages.keys() - {name}:
                assert other not in body
    assert '<a href="/admin/">Admin</a>' in pages["admin-three"][0]
    assert '<a href="/admin/">Admin</a>' not in pages["exec-one"][1]
    tokens = [csrf_token(body) for bodies in pages.values() for body in bodies]
    assert len(set(tokens)) == len(tokens)


def test_only_the_forms_own_query_strings_are_cached(executive_client, rendered):
    """No filters, or the filters as the form sends them, are cached; made-up query strings render each time, so
    they cannot fill the cache."""
    today = timezone.localdate()
    etag = RenderedChart.objects.get(slug=ChartSlug.KEY_FIGURES).etag
    canonical = f"start=2025-01&end={today:%Y-%m}&manufacturer=Canaan&port=&share_source="
    made_up = ["port=3801", f"manufacturer=Canaan&start=2025-01&end={today:%Y-%m}&port=&share_source=", "x=1"]

    for query in ["", canonical, *made_up]:
        assert executive_client.get(f"/dashboard/?{query}").status_code == 200

    def cached(query):
        version = services.selectors.data_version()
        page_etag = etag if not query else f'"{version}-{today:%Y%m%d}-1"'
        return cache.get(f"{views.PAGE_KEY_PREFIX}:{page_etag}:{today:%Y%m%d}:{query}") is not None

    assert cached("")
    assert cached(canonical)
    assert not any(cached(query) for query in made_up)
