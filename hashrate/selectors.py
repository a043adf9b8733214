"""Reads of the dataset that more than one place needs (the browser, its export, the admin, the dashboard)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from hashrate.models import Country, CountryShare, RefreshRun, Schedule, Source

DEFAULT_COUNTRIES = ["US", "CN"]
TOP_COUNTRIES = 5


def scheduled_sources():
    """Sources a refresh of everything fetches: those with a URL and a schedule."""
    return Source.objects.exclude(schedule=Schedule.MANUAL).exclude(url="").order_by("slug")


def share_sources():
    """Sources that have country shares, in name order."""
    return Source.objects.filter(shares__isnull=False).distinct().order_by("name")


def default_share_source() -> Source | None:
    """The source whose shares reach the most recent period: the browser's first view."""
    latest = CountryShare.objects.order_by("-period_start", "source__name").values_list("source_id", flat=True).first()
    return Source.objects.filter(pk=latest).first() if latest else None


def default_countries(source: Source) -> list[str]:
    """US and China, the source's five largest others, and the other/unattributed bucket when it has one."""
    codes = [code for code in DEFAULT_COUNTRIES if CountryShare.objects.filter(source=source, country_id=code).exists()]
    codes += top_countries(source, exclude=DEFAULT_COUNTRIES)
    bucket = CountryShare.objects.filter(source=source, country__is_bucket=True).values_list("country_id", flat=True)
    return codes + list(bucket.distinct()[:1])


def top_countries(source: Source, limit: int = TOP_COUNTRIES, exclude=()) -> list[str]:
    """The source's countries with the largest summed share over its whole span (the bucket left out)."""
    return list(
        CountryShare.objects.filter(source=source, country__is_bucket=False)
        .exclude(country_id__in=exclude)
        .values("country_id")
        .annotate(total=Sum("share_pct"))
        .order_by("-total", "country_id")
        .values_list("country_id", flat=True)[:limit]
    )


def countries_with_shares(source: Source):
    return Country.objects.filter(shares__source=source).distinct().order_by("name")


def shares(*, source: Source, countries: list[str] | None, start=None, end=None):
    queryset = CountryShare.objects.filter(source=source).between(start, end)
    if countries:
        queryset = queryset.filter(country_id__in=countries)
    return queryset.order_by("period_start", "granularity", "country_id")


def recent_runs(source: Source, limit: int = 10):
    return RefreshRun.objects.filter(source=source).recent(limit)


def next_scheduled_run(source: Source, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When beat (settings.CELERY_BEAT_SCHEDULE) next refreshes this source, or None if it never does."""
    now = now or timezone.now()
    upcoming = []
    for entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).values():
        if entry.get("task") != "hashrate.tasks.refresh_source" or list(entry.get("args", ())) != [source.slug]:
            continue
        schedule = entry["schedule"]
        if hasattr(schedule, "remaining_estimate"):
            upcoming.append(now + schedule.remaining_estimate(now))
    return min(upcoming) if upcoming else None


@dataclass
class SourceStatus:
    source: Source
    next_run: datetime.datetime | None
    runs: list


def source_status(source: Source) -> SourceStatus:
    return SourceStatus(source=source, next_run=next_scheduled_run(source), runs=list(recent_runs(source)))
