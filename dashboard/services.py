"""Writes of the dashboard: the data version, rendered charts, and the debounced re-render after a change.

- Every ledger change and dataset refresh bumps the data version (DataVersion, in the database: every web
  process and worker sees the same) and schedules one render after the burst: a cache flag plus a Celery task
  with a countdown, so the ~200 changes of the demo load cause one render.
- The task (and the render_charts command) renders the default view's charts and key figures and stores them
  with the data version and day they came from. A view serves what is stored; one that finds a chart missing or
  stale (another version or day) renders once, under a lock, unless a scheduled render is on its way.
- Filtered views are rendered on demand and cached per data version and day.
"""

import csv
import datetime
import io
import json
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from config.broker import enqueue
from dashboard import key_figures, selectors
from dashboard.charts import BY_SLUG, CHARTS
from dashboard.filters import Filters
from dashboard.models import (
    BUILDERS_VERSION,
    ChartSlug,
    DataVersion,
    RenderedChart,
    RenderRun,
    RenderTrigger,
    etag_for,
)

logger = logging.getLogger(__name__)

RENDER_PENDING_KEY = "dashboard:render-pending"
RENDER_LOCK_KEY = "dashboard:render-lock"
RENDER_LOCK_TTL_S = 5 * 60
RENDER_WAIT_S = 60
FILTERED_TIMEOUT_S = 60 * 60
DEFAULT_DEBOUNCE_S = 2.0
RENDER_RUNS_KEPT = datetime.timedelta(days=30)


@dataclass(frozen=True)
class Rendered:
    """A chart (or the key figures) as served: figure JSON, data as CSV, and the ETag of what it was built from."""

    slug: str
    figure_json: str
    data_csv: str
    etag: str


def debounce_s() -> float:
    return float(getattr(settings, "DASHBOARD_RENDER_DEBOUNCE_S", DEFAULT_DEBOUNCE_S))


# The data version.


def data_version_bump() -> int:
    """Count one change to what the charts show; returns the new version."""
    with transaction.atomic():
        updated = DataVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
        if not updated:
            DataVersion.objects.get_or_create(pk=1, defaults={"version": 2})
        return DataVersion.objects.values_list("version", flat=True).get(pk=1)


def data_changed(**kwargs) -> None:
    """Receiver of seizures' ledger_changed and hashrate's dataset_changed (sent after commit), and of milestone
    edits: the charts are stale from now on, and one render is scheduled for after the burst."""
    try:
        data_version_bump()
    except DatabaseError:
        # A migrate of another app alone (its post_migrate loads data) runs before dashboard's tables exist.
        logger.warning("dashboard: data version not bumped (are dashboard's migrations applied?)", exc_info=True)
        return
    render_schedule()


def render_pending() -> bool:
    return cache.get(RENDER_PENDING_KEY) is not None


def render_schedule() -> bool:
    """Schedule one render of the charts after the debounce; a no-op while one is scheduled. Returns whether this
    call scheduled it.

    In-process (no broker: tasks run eagerly) nothing is scheduled: a render per change would run inside every
    write; the first view after the changes renders once instead.
    """
    from dashboard import tasks  # the task module imports this one

    if tasks.render_charts.app.conf.task_always_eager:
        return False
    countdown = debounce_s()
    if not cache.add(RENDER_PENDING_KEY, timezone.now().isoformat(), timeout=int(countdown) + RENDER_LOCK_TTL_S):
        return False
    if not enqueue(tasks.render_charts, countdown=countdown):
        # The data version is bumped in the database: the next view finds the charts stale and renders them.
        cache.delete(RENDER_PENDING_KEY)
        return False
    return True


def render_pending_clear() -> None:
    """The scheduled render starts: a change from now on schedules another."""
    cache.delete(RENDER_PENDING_KEY)


# Rendering.


def to_csv(columns: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def _render_one(slug: str, inputs: selectors.ChartInputs) -> tuple[str, str]:
    if slug == ChartSlug.KEY_FIGURES:
        values = inputs.key_figures()
        return json.dumps(values), to_csv(*key_figures.table(values))
    module = BY_SLUG[slug].module
    kwargs = inputs.for_chart(slug)
    return module.build(**kwargs).to_json(), to_csv(*module.table(**kwargs))


ALL_SLUGS = [ChartSlug.KEY_FIGURES, *(chart.slug for chart in CHARTS)]


@transaction.atomic
def _store(rendered: dict[str, tuple[str, str, int]], *, version: int, as_of) -> None:
    """Store the renders, unless a render of a later data version got there first."""
    existing = {row.slug: row for row in RenderedChart.objects.select_for_update().filter(slug__in=rendered)}
    now = timezone.now()
    for slug, (figure_json, data_csv, render_ms) in rendered.items():
        row = existing.get(slug) or RenderedChart(slug=slug)
        if row.pk and (row.data_version, row.as_of) > (version, as_of):
            continue
        row.data_version, row.as_of, row.builders_version = version, as_of, BUILDERS_VERSION
        row.figure_json, row.data_csv, row.rendered_at, row.render_ms = figure_json, data_csv, now, render_ms
        row.save()


def charts_render(*, trigger: str = RenderTrigger.COMMAND) -> RenderRun:
    """Render the default view's charts and key figures from the current data and store them.

    The version is read before the data: a change committed meanwhile bumps it past ours, so what we store is
    already stale and renders again.
    """
    started_at, started = timezone.now(), time.perf_counter()
    version, as_of = selectors.data_version(), timezone.localdate()
    inputs = selectors.ChartInputs(Filters.default(as_of), as_of=as_of, version=version)
    rendered = {}
    with selectors.aggregate_reads():
        for slug in ALL_SLUGS:
            chart_started = time.perf_counter()
            figure_json, data_csv = _render_one(slug, inputs)
            rendered[slug] = (figure_json, data_csv, round((time.perf_counter() - chart_started) * 1000))
    _store(rendered, version=version, as_of=as_of)
    run = RenderRun.objects.create(
        trigger=trigger,
        data_version=version,
        as_of=as_of,
        started_at=started_at,
        duration_ms=round((time.perf_counter() - started) * 1000),
        charts=len(rendered),
    )
    RenderRun.objects.filter(started_at__lt=started_at - RENDER_RUNS_KEPT).delete()
    logger.info("dashboard: rendered %s charts of data version %s in %s ms", run.charts, version, run.duration_ms)
    return run


# Serving.


def _fresh(row: RenderedChart | None, version: int, as_of) -> bool:
    return row is not None and (row.data_version, row.as_of, row.builders_version) == (
        version,
        as_of,
        BUILDERS_VERSION,
    )


def _as_rendered(row: RenderedChart) -> Rendered:
    return Rendered(slug=row.slug, figure_json=row.figure_json, data_csv=row.data_csv, etag=row.etag)


def _render_on_demand(slug: str, version: int, as_of) -> RenderedChart | None:
    """Render the default view once, under a lock: concurrent requests wait for that render instead of starting
    their own. Returns the stored row afterwards."""
    token = uuid.uuid4().hex
    waited_until = time.monotonic() + RENDER_WAIT_S
    while True:
        # A lock the cache cannot show (Redis down) is not waited for: render, as storing never puts older over newer.
        if cache.add(RENDER_LOCK_KEY, token, timeout=RENDER_LOCK_TTL_S) or cache.get(RENDER_LOCK_KEY) is None:
            try:
                row = RenderedChart.objects.filter(slug=slug).first()
                if not _fresh(row, version, as_of):  # another process may have rendered while we waited
                    charts_render(trigger=RenderTrigger.ON_DEMAND)
            finally:
                if cache.get(RENDER_LOCK_KEY) == token:
                    cache.delete(RENDER_LOCK_KEY)
            return RenderedChart.objects.filter(slug=slug).first()
        row = RenderedChart.objects.filter(slug=slug).first()
        if row is not None and (row.data_version, row.as_of) >= (version, as_of):
            return row
        if time.monotonic() > waited_until:
            logger.warning(
                "dashboard: waited %s s for another render of %s; serving what is stored", RENDER_WAIT_S, slug
            )
            return row
        time.sleep(0.1)


def _default_view(slug: str, as_of) -> Rendered | None:
    row, version = selectors.stored_chart(slug)
    if _fresh(row, version, as_of):
        return _as_rendered(row)
    if row is not None and row.builders_version == BUILDERS_VERSION and render_pending():
        return _as_rendered(row)  # stale for a moment: the scheduled render replaces it
    row = _render_on_demand(slug, version, as_of)
    return None if row is None else _as_rendered(row)


def _filtered_view(slug: str, filters: Filters, as_of) -> Rendered:
    version = selectors.data_version()
    etag = etag_for(version, as_of)
    key = f"dashboard:filtered:{etag}:{slug}:{filters.key}"
    cached = cache.get(key)
    if cached is None:
        inputs = selectors.ChartInputs(filters, as_of=as_of, version=version)
        with selectors.aggregate_reads():
            cached = _render_one(slug, inputs)
        cache.set(key, cached, timeout=FILTERED_TIMEOUT_S)
    figure_json, data_csv = cached
    return Rendered(slug=slug, figure_json=figure_json, data_csv=data_csv, etag=etag)


def chart_rendered(slug: str, filters: Filters) -> Rendered:
    """The chart (or the key figures) for the filters: stored for the default view, cached for others."""
    as_of = timezone.localdate()
    if filters.is_default(as_of):
        rendered = _default_view(slug, as_of)
        if rendered is not None:
            return rendered
    return _filtered_view(slug, filters, as_of)
