"""The render task on a real Celery worker (a thread of this process) against the Redis broker of REDIS_URL: a
release re-renders the charts once, after the debounce, and the chart JSON's data version moves.

Skipped without Redis (a failure under REQUIRE_SERVICES=1). Transactional: the worker thread has its own database
connection, so it must see committed rows.
"""

import datetime
import json
import time

import pytest

from dashboard import selectors, services
from dashboard.models import RenderedChart, RenderRun
from seizures import services as ledger_services

D = datetime.date
WAIT_S = 30
DEBOUNCE_S = 2
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(redis_worker, settings):
    settings.DASHBOARD_RENDER_DEBOUNCE_S = DEBOUNCE_S
    return redis_worker


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"waited {WAIT_S} s for {what}"
        time.sleep(0.1)


def task_renders() -> int:
    return RenderRun.objects.filter(trigger="task").count()


def rendered_up_to_date() -> bool:
    """No render scheduled, and the last one was of the current data version."""
    last = RenderRun.objects.filter(trigger="task").order_by("-id").values_list("data_version", flat=True).first()
    return not services.render_pending() and last == selectors.data_version()


def test_a_release_re_renders_the_charts_once_and_moves_the_data_version(worker, ledger, client, executive_user):
    # Building the ledger was a burst of changes, rendered once the burst was over.
    wait_for(rendered_up_to_date, "the render after the ledger was built")
    renders = task_renders()
    client.force_login(executive_user)
    before = client.get("/dashboard/charts/custody-vs-share.json")
    assert before.status_code == 200
    assert (
        client.get("/dashboard/charts/custody-vs-share.json", headers={"If-None-Match": before["ETag"]}).status_code
        == 304
    )
    version_before = RenderedChart.objects.get(slug="custody-vs-share").data_version

    s1 = ledger["s1"]
    s21 = s1.lines.get(miner_model__name="Antminer S21")
    ledger_services.shipment_release(shipment=s1, units_by_line={s21: 20}, occurred_on=D(2025, 6, 2))
    ledger_services.shipment_release(shipment=s1, units_by_line={s21: 10}, occurred_on=D(2025, 6, 3))

    wait_for(lambda: task_renders() == renders + 1, "the render after the releases")
    time.sleep(DEBOUNCE_S + 1)  # a second render would have run by now
    assert task_renders() == renders + 1
    stored = RenderedChart.objects.get(slug="custody-vs-share")
    assert stored.data_version == version_before + 2  # one bump per release, one render for both
    after = client.get("/dashboard/charts/custody-vs-share.json", headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] == stored.etag != before["ETag"]
    bars = json.loads(after.content)["data"][0]
    june = bars["x"].index("2025-06-01")
    assert bars["y"][june] == 220000.0 - 30 * 3000.0
    assert RenderRun.objects.filter(trigger="on_demand").count() == 0  # the views only read what the task stored
