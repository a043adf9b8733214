"""An executive in a real browser: the dashboard draws every chart from the server's stored renders under the strict
Content-Security-Policy, with no console or CSP error, follows a new date range, and downloads a chart as PNG; and
the rest of the site (ledger, dataset, admin) works under the same policy."""

import threading
from pathlib import Path

import pytest
from django.db import connection

from seizures import roles
from seizures.demo.ledger import load_demo
from seizures.models import Shipment

CHARTS = [
    "custody-vs-share",
    "custody-hashrate-vs-us",
    "custody-by-manufacturer",
    "custody-by-port",
    "status",
    "days-in-custody",
]
PASSWORD = "executive-test-password-1"


@pytest.fixture
def output_dir(request) -> Path:
    """test-results/<test name>/ under the repository (git-ignored), as pytest-playwright names it."""
    path = Path(request.config.rootpath) / "test-results" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def one_request_at_a_time(live_server):
    """The page fetches its six charts at once. On SQLite's in-memory test database every live-server thread shares
    the test's one connection, which concurrent queries corrupt (Django's LiveServerTestCase docs warn of it): there,
    the server answers one request at a time. On PostgreSQL each thread has its own connection: nothing changes."""
    if connection.vendor != "sqlite":
        yield
        return
    httpd = live_server.thread.httpd
    app, lock = httpd.get_app(), threading.Lock()

    def serialized(environ, start_response):
        with lock:
            response = app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()

    httpd.set_app(serialized)
    yield
    httpd.set_app(app)


@pytest.fixture
def in_process(monkeypatch):
    """Tasks in-process, as under `make run`: the first view renders the charts once."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def problems(page):
    """Console errors and warnings, page errors and CSP violations the page reports."""
    found = []

    def console(message):
        if message.type not in ("error", "warning"):
            return
        if message.location.get("url", "").endswith("/favicon.ico"):
            return  # the admin's pages name no icon, so the browser asks for one: not a page's problem
        found.append(f"{page.url}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    return found


def log_in(page, base_url: str, username: str, password: str, next_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def wait_for_charts(page) -> None:
    for slug in CHARTS:
        page.locator(f"#chart-{slug} .main-svg").first.wait_for(state="attached")
        page.locator(f"#chart-{slug}[data-state=drawn]").wait_for()


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_draws_every_chart_under_a_strict_csp_and_follows_the_date_range(
    live_server, one_request_at_a_time, page, make_user, reference_data, in_process, problems, output_dir
):
    load_demo()
    make_user("exec", roles.EXECUTIVES, password=PASSWORD)
    page.set_viewport_size({"width": 1400, "height": 1000})

    log_in(page, live_server.url, "exec", PASSWORD, "/dashboard/")
    wait_for_charts(page)

    assert page.locator(".demo-banner").is_visible()
    assert page.locator(".kpi").count() == 8  # seven ledger and network figures, and overdue deadlines
    held = Shipment.objects.demo().in_custody()
    assert (
        f"{sum(held.values_list('units_in_custody', flat=True)):,}"
        in page.locator('.kpi[data-key="machines_in_custody"] .kpi-value').inner_text()
    )
    # The default view is the seizure period: November 2024 to this month, labelled every quarter.
    ticks = page.locator("#chart-custody-vs-share .xtick text").all_text_contents()
    assert ticks[:2] == ["Jan 2025", "Apr 2025"]
    assert "DEMO DATA" in page.locator("#chart-custody-vs-share").inner_text()
    page.screenshot(path=output_dir / "dashboard.png", full_page=True)

    page.fill("#id_start", "2025-01")
    page.fill("#id_end", "2025-06")
    page.click("text=Apply filters")
    page.wait_for_url("**/dashboard/?*start=2025-01*")
    wait_for_charts(page)

    ticks = page.locator("#chart-custody-vs-share .xtick text").all_text_contents()
    assert ticks == ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025"]
    with page.expect_download() as download_info:
        page.locator("#chart-custody-vs-share button.download-png").click()
    download = download_info.value
    assert download.suggested_filename.startswith("hashport-custody-vs-share-")
    assert download.suggested_filename.endswith(".png")
    download.save_as(output_dir / download.suggested_filename)
    assert (output_dir / download.suggested_filename).read_bytes().startswith(b"\x89PNG")
    page.screenshot(path=output_dir / "dashboard-2025-h1.png", full_page=True)
    assert problems == [], problems


@pytest.mark.django_db(transaction=True)
def test_the_rest_of_the_site_works_under_the_same_policy(
    live_server, one_request_at_a_time, page, make_user, reference_data, problems
):
    load_demo()
    make_user("root", is_staff=True, is_superuser=True, password=PASSWORD)
    shipment = Shipment.objects.demo().order_by("pk").first()
    log_in(page, live_server.url, "root", PASSWORD, "/shipments/")

    for path in [
        "/shipments/",
        f"/shipments/{shipment.entry_number}/",
        "/hashrate/",
        "/deadlines/",
        "/admin/",
        "/admin/seizures/import/shipments/",
        "/admin/seizures/shipment/",
        f"/admin/seizures/shipment/{shipment.pk}/change/",
        f"/admin/seizures/shipment/{shipment.pk}/history/",
        "/admin/dashboard/milestone/",
        "/admin/dashboard/milestone/add/",
        "/admin/auth/user/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")

    assert problems == [], problems
