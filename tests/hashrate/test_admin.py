import kombu.exceptions
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hashrate import tasks
from hashrate.models import CountryShare, Outcome, RefreshRun, Source, Trigger

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/hashrate/source/"


@pytest.fixture
def in_process_tasks(settings, monkeypatch):
    """Tasks run in-process whatever REDIS_URL says, so nothing is left queued on a shared broker."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(app.conf, "task_always_eager", True)


def refresh_now(client, *slugs):
    pks = [Source.objects.get(slug=slug).pk for slug in slugs]
    return client.post(CHANGELIST, {"action": "refresh_now", "_selected_action": pks}, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Transactional: outside a transaction delay_on_commit sends at once, so the action sees a broker failure itself.
@pytest.mark.django_db(transaction=True)
def test_refresh_now_runs_in_process_without_a_broker(
    client, reference_data, customs_admin, httpserver, served, in_process_tasks
):
    served("mempool-hashrate", "/hashrate")
    httpserver.expect_request("/hashrate").respond_with_data(
        b'{"hashrates":[{"timestamp":1745884800,"avgHashrate":8.7e+20}]}', content_type="application/json"
    )
    client.force_login(customs_admin)

    response = refresh_now(client, "mempool-hashrate", "hashrate-index")

    assert messages_of(response) == [
        "Not refreshed (no URL; upload a file instead): hashrate-index.",
        "Refreshed in-process: mempool-hashrate. The runs show how each went.",
    ]
    run = RefreshRun.objects.get(source__slug="mempool-hashrate")
    assert (run.trigger, run.outcome) == (Trigger.ADMIN, Outcome.SUCCEEDED)


@pytest.mark.django_db(transaction=True)
def test_refresh_now_says_so_when_the_broker_is_unreachable(client, reference_data, customs_admin, monkeypatch):
    def unreachable(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.refresh_source.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.refresh_source, "apply_async", unreachable)
    client.force_login(customs_admin)

    response = refresh_now(client, "cbeci")

    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("Not refreshed: cbeci could not be queued: the task broker is unreachable. Try again")
    assert not RefreshRun.objects.filter(source__slug="cbeci", trigger=Trigger.ADMIN).exists()


def test_executives_may_not_refresh(client, make_user):
    from seizures import roles

    client.force_login(make_user("exec-staff", roles.EXECUTIVES, is_staff=True))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "refresh_now" not in response.content.decode()


def test_source_page_shows_status_and_last_runs(client, customs_admin):
    client.force_login(customs_admin)
    page = client.get(f"/admin/hashrate/source/{Source.objects.get(slug='cbeci').pk}/change/").content.decode()
    assert "bundled copy loaded: 290 added" in page
    assert "Next scheduled run" in page


def upload(client, slug, content: bytes):
    pk = Source.objects.get(slug=slug).pk
    return client.post(
        f"/admin/hashrate/source/{pk}/upload/", {"file": SimpleUploadedFile("q.csv", content)}, follow=True
    )


def test_customs_admin_uploads_a_manual_csv(client, customs_admin):
    client.force_login(customs_admin)
    response = upload(client, "hashrate-index", b"period,country,share_pct,hashrate_ehs\n2024-Q4,US,37.5,\n")
    assert messages_of(response) == ["Succeeded: 2 added, 0 changed, 0 unchanged"]
    assert CountryShare.objects.get(source__slug="hashrate-index", country="US", period_start="2024-10-01")
    assert RefreshRun.objects.filter(trigger=Trigger.UPLOAD, outcome=Outcome.SUCCEEDED).count() == 1


def test_a_refused_upload_changes_nothing_and_says_why(client, customs_admin):
    client.force_login(customs_admin)
    before = CountryShare.objects.count()
    response = upload(client, "hashrate-index", b"period,country,share_pct,hashrate_ehs\n2024-Q4,US,-3,\n")
    assert messages_of(response) == [
        "Refused (payload failed validation): refused: 2024-Q4 US: share -3% is outside 0–100"
    ]
    assert CountryShare.objects.count() == before


def test_upload_is_only_for_manual_sources_and_permitted_users(client, customs_admin, make_user):
    client.force_login(customs_admin)
    response = upload(client, "cbeci", b"x")
    assert "uploads are for manual sources" in messages_of(response)[0]
    client.force_login(make_user("staff-only", is_staff=True))
    pk = Source.objects.get(slug="hashrate-index").pk
    assert client.get(f"/admin/hashrate/source/{pk}/upload/").status_code == 403


def test_runs_are_read_only_and_pool_countries_editable(client, customs_admin):
    client.force_login(customs_admin)
    assert client.get("/admin/hashrate/refreshrun/").status_code == 200
    assert client.get("/admin/hashrate/refreshrun/add/").status_code == 403
    assert client.get("/admin/hashrate/poolcountry/add/").status_code == 200
    response = client.post(
        "/admin/hashrate/poolcountry/add/",
        {"pool_slug": "binancepool", "pool_name": "Binance Pool", "country": "ZZ", "note": "test"},
    )
    assert response.status_code == 302
