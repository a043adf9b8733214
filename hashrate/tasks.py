"""Celery tasks: thin over services.source_refresh. Beat runs them on the schedule in settings.CELERY_BEAT_SCHEDULE.

Network errors, timeouts, 5xx and 429 are retried with exponential backoff and full jitter; the source's lock
(hashrate/locks.py) makes a second refresh of the same source record "skipped: already running" instead of
running. A refresh is idempotent (an unchanged payload changes nothing), so acks_late is safe.
"""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from config.broker import enqueue
from hashrate import selectors, services
from hashrate.errors import UpstreamUnavailable
from hashrate.models import Outcome, Source, Trigger

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
RETRY_BACKOFF_S = 60  # first retry within a minute, then 2, 4, 8, 16 (capped), each with full jitter
RETRY_BACKOFF_MAX_S = 30 * 60
SOFT_TIME_LIMIT_S = 120
TIME_LIMIT_S = 180


def retry_countdown(retries: int) -> int:
    """Seconds before the next attempt; settings.HASHRATE_RETRY_BACKOFF_S overrides the factor (tests use 1)."""
    return get_exponential_backoff_interval(
        factor=getattr(settings, "HASHRATE_RETRY_BACKOFF_S", RETRY_BACKOFF_S),
        retries=retries,
        maximum=RETRY_BACKOFF_MAX_S,
        full_jitter=True,
    )


@shared_task(
    bind=True,
    name="hashrate.tasks.refresh_source",
    max_retries=MAX_RETRIES,
    soft_time_limit=SOFT_TIME_LIMIT_S,
    time_limit=TIME_LIMIT_S,
    acks_late=True,
)
def refresh_source(self, slug: str, trigger: str = Trigger.SCHEDULE) -> str:
    """Refresh one source; returns the run's outcome."""
    source = Source.objects.filter(slug=slug).first()
    if source is None:
        logger.warning("refresh_source: no source %r", slug)
        return "no such source"
    try:
        return services.source_refresh(source=source, trigger=trigger).outcome
    except UpstreamUnavailable as error:
        if self.request.is_eager:
            # In-process (no broker): a retry would block the caller; the next scheduled run tries again.
            return Outcome.FAILED
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries)) from error


@shared_task(name="hashrate.tasks.refresh_all", soft_time_limit=30, time_limit=60)
def refresh_all() -> list[str]:
    """Enqueue a refresh of every scheduled source; each runs (and retries) on its own."""
    slugs = list(selectors.scheduled_sources().values_list("slug", flat=True))
    for slug in slugs:
        refresh_source.delay(slug)
    return slugs


def enqueue_refresh(slug: str, trigger: str = Trigger.ADMIN) -> bool:
    """Queue a refresh now; whether it was queued (False, logged, when the broker is unreachable)."""
    return enqueue(refresh_source, slug, trigger)
