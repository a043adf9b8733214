"""Rendering: the data version, stored charts, the debounced re-render after changes, and on-demand renders."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from dashboard import selectors, services, tasks
from dashboard.filters import Filters
from dashboard.models import BUILDERS_VERSION, ChartSlug, DataVersion, Milestone, RenderedChart, RenderRun
from hashrate.signals import dataset_changed
from seizures import services as ledger_services
from seizures.signals import ledger_changed

D = datetime.date
pytestmark = pytest.mark.django_db
EVERY_SLUG = {slug.value for slug in ChartSlug}


@pytest.fixture
def scheduled(monkeypatch):
    """Tasks as on a real broker (not in-process), with apply_async recorded instead of sent."""
    calls = []
    task = tasks.render_charts._get_current_object()
    monkeypatch.setitem(task.app.conf, "task_always_eager", False)
    monkeypatch.setattr(task, "apply_async", lambda args=(), **kwargs: calls.append(kwargs))
    return calls


def test_a_render_stores_every_chart_and_the_key_figures_with_the_data_version_and_day(ledger):
    version = selectors.data_version()

    run = services.charts_render()

    rows = RenderedChart.objects.all()
    assert {row.slug for row in rows} == EVERY_SLUG
    assert {(row.data_version, row.as_of, row.builders_version) for row in rows} == {
        (version, timezone.localdate(), BUILDERS_VERSION)
    }
    assert (run.trigger, run.data_version, run.charts) == ("command", version, 7)
    figure = json.loads(RenderedChart.objects.get(slug="custody-vs-share").figure_json)
    bars = figure["data"][0]
    assert bars["x"][:5] == ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01", "2025-03-01"]
    assert bars["y"][:5] == [310000.0, 310000.0, 334000.0, 310000.0, 220000.0]
    key_figures = {item["key"]: item for item in json.loads(RenderedChart.objects.get(slug="key-figures").figure_json)}
    assert key_figures["machines_in_custody"]["value"] == 80


def test_a_render_never_replaces_a_later_versions_charts(ledger):
    services.charts_render()
    RenderedChart.objects.update(data_version=10**6)

    services.charts_render()

    assert set(RenderedChart.objects.values_list("data_version", flat=True)) == {10**6}


def test_ledger_and_dataset_changes_bump_the_data_version_after_commit(ledger, django_capture_on_commit_callbacks):
    before = selectors.data_version()
    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.shipment_record_event(
            shipment=ledger["s1"], kind="released", occurred_on=D(2025, 4, 1), units=5, line=ledger["s1"].lines.first()
        )
    assert selectors.data_version() == before + 1

    dataset_changed.send(sender=None, source=None, rows_added=1, rows_changed=0)
    assert selectors.data_version() == before + 2


def test_a_milestone_edit_bumps_the_data_version(django_capture_on_commit_callbacks):
    before = selectors.data_version()
    with django_capture_on_commit_callbacks(execute=True):
        Milestone.objects.create(date=D(2025, 6, 1), title="Notice of seizure", source="test")

    assert selectors.data_version() == before + 1


@pytest.mark.parametrize(
    ("model", "lookup", "field", "value"),
    [
        ("seizures.Manufacturer", {"name": "Canaan"}, "name", "Canaan Inc."),
        ("seizures.MinerModel", {"name": "Antminer S21"}, "power_w", 3600),
        ("seizures.Port", {"code": "2809"}, "name", "San Francisco Airport"),
        ("hashrate.Source", {"slug": "cbeci"}, "name", "CBECI mining map"),
    ],
)
def test_an_edit_of_a_row_the_charts_name_bumps_the_data_version(
    reference_data, django_capture_on_commit_callbacks, model, lookup, field, value
):
    """Legends, hover text and the filter form name manufacturers, models, ports and sources: an admin's edit is
    a change to what the dashboard shows."""
    from django.apps import apps

    row = apps.get_model(model).objects.get(**lookup)
    before = selectors.data_version()

    with django_capture_on_commit_callbacks(execute=True):
        setattr(row, field, value)
        row.save()

    assert selectors.data_version() == before + 1


def test_a_burst_of_changes_schedules_one_render_after_the_debounce(scheduled, settings):
    settings.DASHBOARD_RENDER_DEBOUNCE_S = 3
    before = selectors.data_version()

    for _ in range(200):  # what the demo load sends
        ledger_changed.send(sender=None)

    assert scheduled == [{"countdown": 3.0}]
    assert selectors.data_version() == before + 200
    assert services.render_pending()


def test_a_change_after_the_render_started_schedules_another(scheduled, ledger):
    ledger_changed.send(sender=None)
    tasks.render_charts()  # what the worker runs after the countdown: clears the flag first

    ledger_changed.send(sender=None)

    assert len(scheduled) == 2
    assert RenderRun.objects.filter(trigger="task").count() == 1


def test_in_process_changes_schedule_nothing(ledger):
    ledger_changed.send(sender=None)

    assert not services.render_pending()
    assert not RenderRun.objects.exists()


def test_a_stale_chart_is_rendered_on_demand_once_then_served_from_storage(ledger):
    default = Filters.default(timezone.localdate())
    services.charts_render()
    services.data_version_bump()

    served = [services.chart_rendered(slug, default) for slug in EVERY_SLUG]
    served += [services.chart_rendered(slug, default) for slug in EVERY_SLUG]

    assert RenderRun.objects.filter(trigger="on_demand").count() == 1
    assert {rendered.etag for rendered in served} == {f'"{selectors.data_version()}-{timezone.localdate():%Y%m%d}-1"'}


def test_a_missing_chart_is_rendered_on_demand(ledger):
    rendered = services.chart_rendered("status", Filters.default(timezone.localdate()))

    assert json.loads(rendered.figure_json)["data"][0]["x"]
    assert RenderRun.objects.get().trigger == "on_demand"


def test_while_a_render_is_scheduled_a_stale_chart_is_served_as_stored(scheduled, ledger):
    services.charts_render()
    stored_etag = RenderedChart.objects.get(slug="status").etag
    ledger_changed.send(sender=None)  # bumps the version and schedules the render

    rendered = services.chart_rendered("status", Filters.default(timezone.localdate()))

    assert rendered.etag == stored_etag
    assert RenderRun.objects.count() == 1


def test_charts_of_yesterday_are_stale_today(ledger):
    services.charts_render()
    RenderedChart.objects.update(as_of=timezone.localdate() - datetime.timedelta(days=1))

    services.chart_rendered("status", Filters.default(timezone.localdate()))

    assert RenderRun.objects.filter(trigger="on_demand").count() == 1
    assert set(RenderedChart.objects.values_list("as_of", flat=True)) == {timezone.localdate()}


def test_a_filtered_view_is_rendered_on_demand_and_cached_per_data_version(ledger, django_assert_num_queries):
    today = timezone.localdate()
    canaan = Filters(start=D(2024, 11, 1), end=D(2025, 3, 1), manufacturer="Canaan")

    first = services.chart_rendered("custody-by-manufacturer", canaan)
    with django_assert_num_queries(1):  # the data version; the figure comes from the cache
        again = services.chart_rendered("custody-by-manufacturer", canaan)

    figure = json.loads(first.figure_json)
    assert [trace["name"] for trace in figure["data"]] == ["Canaan"]
    assert figure["data"][0]["y"] == [10, 10, 30, 10, 10]
    assert again == first
    assert not RenderedChart.objects.exists()
    services.data_version_bump()
    assert services.chart_rendered("custody-by-manufacturer", canaan).etag != first.etag
    assert today  # the default view is not touched by a filtered one


def test_render_charts_command_renders_and_reports(ledger, capsys):
    call_command("render_charts")

    out = capsys.readouterr().out
    assert "Rendered 7 charts of data version" in out
    assert "custody-vs-share:" in out
    assert RenderRun.objects.get().trigger == "command"


def test_the_data_version_row_is_created_on_first_use():
    DataVersion.objects.all().delete()

    assert selectors.data_version() == 1
    assert services.data_version_bump() == 2
