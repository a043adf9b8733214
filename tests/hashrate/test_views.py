import csv
import io

import pytest

from hashrate import services
from hashrate.models import Source, Trigger

pytestmark = pytest.mark.django_db


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def export_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def test_browser_defaults_to_the_most_recent_source_with_us_china_and_top_five(client, executive_user):
    client.force_login(executive_user)
    response = client.get("/hashrate/")
    assert response.status_code == 200
    page = body(response)
    # pool-blocks reaches 2026-03, the latest period of the bundled data.
    assert response.context["source"].slug == "pool-blocks"
    # Pool headquarters only name these countries; unmapped pools are the bucket, shown last.
    assert [column.code for column in response.context["columns"]] == ["US", "CN", "CZ", "JP", "ZZ"]
    assert "Pool headquarters (where pools are run, not where machines hash)" in page
    assert "Source status" in page
    assert "2026-03" in page


def test_browser_shows_cbeci_figures_with_method_and_retrieval(client, compliance_user):
    client.force_login(compliance_user)
    response = client.get(
        "/hashrate/", {"source": "cbeci", "country": ["US", "CN"], "start": "2022-01", "end": "2022-01"}
    )
    page = body(response)
    assert [row["period"] for row in response.context["rows"]] == ["2022-01"]
    assert "37.84%" in page
    assert "21.11%" in page
    assert "70.97 EH/s" in page
    assert "Geolocation of pool IP addresses" in page
    assert "bundled with Hashport" in page


def test_browser_status_panel_shows_last_error_and_runs(client, executive_user):
    services.source_refresh(source=Source.objects.get(slug="hashrate-index"), trigger=Trigger.UPLOAD, payload=b"")
    client.force_login(executive_user)
    page = body(client.get("/hashrate/", {"source": "hashrate-index"}))
    assert "refused: the payload is empty" in page
    assert "not scheduled (manual source)" in page


def test_browser_reports_a_bad_period_instead_of_failing(client, executive_user):
    client.force_login(executive_user)
    response = client.get("/hashrate/", {"source": "cbeci", "start": "last spring"})
    assert response.status_code == 200
    assert "Write a period as YYYY-MM, YYYY-Qn or YYYY-MM-DD." in body(response)


@pytest.mark.parametrize("path", ["/hashrate/", "/hashrate/export.csv"])
def test_a_source_with_a_nul_byte_is_refused_instead_of_failing(client, executive_user, path):
    # PostgreSQL cannot compare text with NUL: looking the source up before validating it was a 500.
    client.force_login(executive_user)
    response = client.get(f"{path}?source=cb%00eci")
    assert response.status_code == 200
    if path == "/hashrate/":
        assert "Null characters are not allowed." in body(response)
    else:
        assert export_rows(response) == []


def test_browser_needs_few_queries(client, executive_user, django_assert_max_num_queries):
    client.force_login(executive_user)
    with django_assert_max_num_queries(25):
        client.get("/hashrate/")


def test_export_has_the_contract_columns_and_the_same_filters(client, compliance_user):
    client.force_login(compliance_user)
    response = client.get(
        "/hashrate/export.csv", {"source": "cbeci", "country": ["US", "CN"], "start": "2021-12", "end": "2022-01"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    text = body(response)
    assert text.splitlines()[0] == "source,method,period,country,share_pct,hashrate_ehs,retrieved_at"
    rows = export_rows(
        client.get(
            "/hashrate/export.csv", {"source": "cbeci", "country": ["US", "CN"], "start": "2021-12", "end": "2022-01"}
        )
    )
    assert [(row["period"], row["country"], row["share_pct"], row["hashrate_ehs"]) for row in rows] == [
        ("2022-01", "CN", "21.11", "39.6"),
        ("2022-01", "US", "37.84", "70.97"),
        ("2021-12", "CN", "19.14", "33.16"),
        ("2021-12", "US", "37.45", "64.87"),
    ]
    assert {row["source"] for row in rows} == {"cbeci"}
    assert {row["method"] for row in rows} == {"geolocation"}
    assert all(row["retrieved_at"].endswith("+00:00") for row in rows)


def test_export_without_parameters_matches_the_browser_default(client, executive_user):
    client.force_login(executive_user)
    page = client.get("/hashrate/")
    rows = export_rows(client.get("/hashrate/export.csv"))
    shown = sum(1 for row in page.context["rows"] for cell in row["cells"] if cell)
    assert len(rows) == shown
    assert {row["source"] for row in rows} == {"pool-blocks"}


def test_export_is_spreadsheet_safe(client, executive_user):
    Source.objects.create(slug="manual-test", name="=cmd|' /C calc'!A0", parser="manual_csv", method="manual")
    source = Source.objects.get(slug="manual-test")
    services.source_refresh(
        source=source, trigger=Trigger.UPLOAD, payload=b"period,country,share_pct,hashrate_ehs\n2024-06,US,40,\n"
    )
    client.force_login(executive_user)
    rows = export_rows(client.get("/hashrate/export.csv", {"source": "manual-test"}))
    assert [(row["source"], row["country"], row["share_pct"]) for row in rows] == [
        ("manual-test", "US", "40"),
        ("manual-test", "ZZ", "60"),
    ]


def test_anonymous_visitor_is_sent_to_login(client):
    for url in ("/hashrate/", "/hashrate/export.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/accounts/login/?next={url}")


def test_user_without_a_role_is_refused(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get("/hashrate/").status_code == 403
    assert client.get("/hashrate/export.csv").status_code == 403


def test_nav_links_to_the_browser_for_roles_that_may_see_it(client, executive_user):
    client.force_login(executive_user)
    assert 'href="/hashrate/">Hashrate</a>' in body(client.get("/shipments/"))
