"""Twenty release requests for one shipment at once, through the admin's record-release form over real HTTP: custody
never goes negative, exactly the releases that fit succeed, and each of the others is refused with a clear message.

The app is pytest-django's live server (a thread per request, each with its own PostgreSQL connection), reached as a
browser reaches it: a Customs admin logs in through the login form, and each of twenty threads loads the form for its
CSRF token, waits at a barrier with the others, then posts.
"""

import datetime
import html
import threading
import time

import httpx
import pytest

from config.celery import app
from seizures import services
from seizures.models import EventKind, Shipment, ShipmentEvent
from tests.factories import make_shipment
from tests.production.compose import CSRF_FIELD, log_in

pytestmark = pytest.mark.services

REQUESTS = 20
HELD = 50
UNITS = 7  # 20 × 7 = 140 asked for, 50 held: 7 releases fit, 1 unit stays
ENTRY = "CAR-0000001-0"
PASSWORD = "a-long-test-password"


def in_flight_at_most(intervals: list[tuple[float, float]]) -> int:
    """The most requests under way at one moment."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def test_concurrent_admin_releases_take_out_only_what_is_held(
    postgres, live_server, reference_data, customs_admin, monkeypatch
):
    # Tasks in-process: the releases' chart re-renders queue nothing on the shared broker.
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    shipment = make_shipment(entry_number=ENTRY, lines=[("Antminer S21", HELD, "3000")])
    services.shipment_record_event(shipment=shipment, kind=EventKind.DETAINED, occurred_on=datetime.date(2025, 1, 6))
    line = shipment.lines.get()
    form_url = f"/admin/seizures/shipment/{shipment.pk}/release/"
    with httpx.Client(base_url=live_server.url, timeout=30) as browser:
        assert log_in(browser, customs_admin.username, PASSWORD).status_code == 302
        cookies = dict(browser.cookies)

    barrier = threading.Barrier(REQUESTS)
    answers: list[httpx.Response | BaseException] = [None] * REQUESTS
    intervals: list[tuple[float, float]] = [None] * REQUESTS

    def release(index: int) -> None:
        try:
            with httpx.Client(base_url=live_server.url, cookies=cookies, timeout=60) as tab:
                form = tab.get(form_url)
                assert form.status_code == 200, form.text
                data = {
                    "csrfmiddlewaretoken": CSRF_FIELD.search(form.text).group(1),
                    f"units_{line.pk}": UNITS,
                    "occurred_on": "2025-03-05",
                    "reference": f"request {index}",
                    "note": "",
                }
                barrier.wait(timeout=30)
                started = time.monotonic()
                answers[index] = tab.post(form_url, data=data, headers={"Origin": live_server.url})
                intervals[index] = (started, time.monotonic())
        except BaseException as error:
            answers[index] = error
            barrier.abort()

    threads = [threading.Thread(target=release, args=[index]) for index in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    errors = [answer for answer in answers if not isinstance(answer, httpx.Response)]
    assert not errors, errors
    assert {answer.status_code for answer in answers} <= {200, 302}
    succeeded = [answer for answer in answers if answer.status_code == 302]
    refused = [answer for answer in answers if answer.status_code == 200]
    fits = HELD // UNITS
    assert len(succeeded) == fits
    assert {answer.headers["Location"] for answer in succeeded} == {f"/admin/seizures/shipment/{shipment.pk}/change/"}
    # Each refusal is checked against what the successes left: the remainder, fewer than asked for.
    refusal = f"{ENTRY}: releasing {UNITS} units of Antminer S21, but only {HELD - fits * UNITS} are in custody"
    for answer in refused:
        assert "Nothing was recorded." in answer.text
        assert refusal in html.unescape(answer.text)
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert shipment.units_in_custody == HELD - fits * UNITS >= 0
    assert shipment.units_released == fits * UNITS
    assert ShipmentEvent.objects.filter(shipment=shipment, kind=EventKind.RELEASED).count() == fits
    assert in_flight_at_most(intervals) > 1, "the requests did not overlap"
