"""Reads for the dashboard: the data version, stored charts, and the aggregates each chart takes, read through the
ledger's and the dataset's own selectors (and, for network hashrate, the dataset's models: read-only)."""

import datetime
from contextlib import contextmanager
from functools import cached_property

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max

from dashboard import key_figures as figures
from dashboard import levels
from dashboard.charts.inputs import (
    DaysCount,
    Mark,
    NetworkSeries,
    ShareObservation,
    ShareSeries,
    StatusCount,
    View,
    add_months,
)
from dashboard.filters import Filters
from dashboard.models import ChartSlug, DataVersion, Milestone, RenderedChart
from hashrate.models import CountryShare, Method, NetworkHashrate, Source
from seizures import selectors as ledger
from seizures.deadlines.selectors import overdue_deadline_count
from seizures.models import MinerModel, Port, ShipmentStatus

SHARE_COUNTRIES = ["US", "CN"]
# How the charts name each method: short enough for a legend, never ambiguous.
METHOD_LABELS = {
    Method.GEOLOCATION: "IP geolocation",
    Method.POOL_HEADQUARTERS: "pool headquarters",
    Method.ESTIMATE: "published estimate",
    Method.MANUAL: "manual entry",
    Method.NETWORK: "network estimate",
}
CHANGES_TIMEOUT_S = 24 * 60 * 60


@contextmanager
def aggregate_reads():
    """On PostgreSQL, a transaction for a render's aggregate queries with JIT compilation off: each query runs once
    per render, and compiling it (0.5–1.5 s at a million shipments) costs more than it saves. (On SQLite nothing:
    its transactions here take the write lock up front.)"""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


STORED_CHART_SQL = """
    SELECT chart.*, (SELECT version FROM dashboard_dataversion WHERE id = 1) AS current_version
    FROM dashboard_renderedchart chart WHERE chart.slug = %s
"""


def stored_chart(slug: str) -> tuple[RenderedChart | None, int]:
    """The stored chart and the current data version, in one query (two when nothing is stored yet).

    Every dashboard request and chart read runs it, so it is written out: the ORM spent longer building the query
    (~0.6 ms) than the database running it."""
    chart = next(iter(RenderedChart.objects.raw(STORED_CHART_SQL, [slug])), None)
    if chart is None or chart.current_version is None:
        return chart, data_version()
    return chart, chart.current_version


def data_version() -> int:
    """The current data version (the row is created on first use)."""
    version = DataVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    if version is None:
        version = DataVersion.objects.get_or_create(pk=1)[0].version
    return version


def milestones() -> list[Mark]:
    return [
        Mark(date=row.date, title=row.title, detail=row.detail, source=row.source)
        for row in Milestone.objects.filter(is_shown=True).order_by("date", "id")
    ]


def share_series(*, countries=SHARE_COUNTRIES, source_slug: str = "") -> list[ShareSeries]:
    """Every source's share series for the countries (one query), one series per source, country and granularity."""
    rows = (
        CountryShare.objects.filter(country_id__in=countries)
        .select_related("source")
        .order_by("source__name", "country_id", "granularity", "period_start")
    )
    if source_slug:
        rows = rows.filter(source__slug=source_slug)
    grouped: dict[tuple, list] = {}
    sources: dict[tuple, Source] = {}
    for row in rows:
        key = (row.source.slug, row.country_id, row.granularity)
        grouped.setdefault(key, []).append(ShareObservation(row.period_start, row.share_pct))
        sources[key] = row.source
    return [
        ShareSeries(
            source=sources[key].name,
            slug=key[0],
            method=sources[key].method,
            method_label=METHOD_LABELS.get(sources[key].method, sources[key].get_method_display()),
            granularity=key[2],
            country=key[1],
            observations=tuple(observations),
        )
        for key, observations in grouped.items()
    ]


def network_series() -> NetworkSeries | None:
    """The network hashrate of the source whose estimates reach the latest day (ties: the one with most days)."""
    latest = (
        NetworkHashrate.objects.values("source_id")
        .annotate(last=Max("day"))
        .order_by("-last", "source_id")
        .values_list("source_id", flat=True)
        .first()
    )
    if latest is None:
        return None
    source = Source.objects.get(pk=latest)
    observations = tuple(
        NetworkHashrate.objects.filter(source=source).order_by("day").values_list("day", "hashrate_ehs")
    )
    return NetworkSeries(source=source.name, slug=source.slug, observations=observations)


def monthly_changes(version: int) -> list[levels.MonthlyChange]:
    """The ledger's custody changes by month, manufacturer and port, cached per data version: one GROUP BY over
    the whole ledger serves the default view and every filtered one."""
    key = f"dashboard:monthly-changes:{version}"
    changes = cache.get(key)
    if changes is None:
        makers = dict(MinerModel.objects.values_list("pk", "manufacturer__name"))
        ports = dict(Port.objects.values_list("pk", "code"))
        changes = [
            levels.MonthlyChange(
                month=row["month"],
                manufacturer=makers.get(row["miner_model_id"], "?"),
                port=ports.get(row["port_id"], "?"),
                units=row["units"],
                value_usd=row["value_usd"],
                hashrate_ths=row["hashrate_ths"],
            )
            for row in ledger.custody_changes_by_month()
        ]
        cache.set(key, changes, timeout=CHANGES_TIMEOUT_S)
    return changes


class ChartInputs:
    """The aggregates for one set of filters, each read at most once: rendering every chart shares them, and
    rendering one chart reads only what it needs."""

    def __init__(self, filters: Filters, *, as_of: datetime.date, version: int):
        self.filters = filters
        self.as_of = as_of
        self.version = version

    @cached_property
    def port_names(self) -> dict[str, str]:
        return dict(Port.objects.values_list("code", "name"))

    @cached_property
    def view(self) -> View:
        filters = self.filters
        return View(
            start=filters.start,
            end=filters.end,
            as_of=self.as_of,
            filters_text=filters.text(self.port_names),
            demo=ledger.demo_data_present(),
        )

    @cached_property
    def changes(self) -> list[levels.MonthlyChange]:
        return monthly_changes(self.version)

    @cached_property
    def months(self):
        return levels.custody_by_month(
            self.changes, self.view.months, manufacturer=self.filters.manufacturer, port=self.filters.port
        )

    @cached_property
    def shares(self) -> list[ShareSeries]:
        return share_series(source_slug=self.filters.share_source)

    @cached_property
    def network(self) -> NetworkSeries | None:
        return network_series()

    @cached_property
    def shipments(self):
        """Shipments first detained in the view, filtered by manufacturer and port."""
        return ledger.detained_shipments(
            start=self.filters.start,
            stop=add_months(self.filters.end, 1),
            manufacturer=self.filters.manufacturer,
            port=self.filters.port,
        )

    def status_counts(self) -> list[StatusCount]:
        labels = dict(ShipmentStatus.choices)
        counts = ledger.status_counts(self.shipments)
        return [StatusCount(status, labels.get(status, status), n) for status, n in counts.items()]

    def days_counts(self, shipments) -> list[DaysCount]:
        return [DaysCount(days, held, n) for days, held, n in ledger.custody_days_counts(shipments, self.as_of)]

    def for_chart(self, slug: str) -> dict:
        """The keyword arguments of the chart's builder (and table)."""
        view, filters = self.view, self.filters
        if slug == ChartSlug.CUSTODY_VS_SHARE:
            return {"months": self.months, "shares": self.shares, "milestones": milestones(), "view": view}
        if slug == ChartSlug.CUSTODY_HASHRATE_VS_US:
            return {"months": self.months, "shares": self.shares, "network": self.network, "view": view}
        if slug == ChartSlug.CUSTODY_BY_MANUFACTURER:
            by_maker = levels.custody_by_manufacturer(
                self.changes, view.months, manufacturer=filters.manufacturer, port=filters.port
            )
            return {"by_manufacturer": by_maker, "view": view}
        if slug == ChartSlug.CUSTODY_BY_PORT:
            ports = levels.custody_by_port(
                self.changes, view.end, self.port_names, manufacturer=filters.manufacturer, port=filters.port
            )
            return {"ports": ports, "view": view}
        if slug == ChartSlug.STATUS:
            return {"counts": self.status_counts(), "view": view}
        if slug == ChartSlug.DAYS_IN_CUSTODY:
            return {"days": self.days_counts(self.shipments), "view": view}
        raise ValueError(f"no chart {slug!r}")

    def key_figures(self) -> list[dict]:
        """The key figures: what is held today (whatever the span of months), for the manufacturer and port."""
        filters, today = self.filters, self.as_of
        now = levels.custody_by_month(
            self.changes, [today.replace(day=1)], manufacturer=filters.manufacturer, port=filters.port
        )[0]
        held = ledger.detained_shipments(manufacturer=filters.manufacturer, port=filters.port).filter(
            units_in_custody__gt=0
        )
        released = ledger.units_released_between(
            today - datetime.timedelta(days=figures.RELEASED_DAYS - 1),
            today,
            manufacturer=filters.manufacturer,
            port=filters.port,
        )
        us_share, cn_share = latest_share_series(self.shares)
        return figures.as_dicts(
            figures.key_figures(
                now=now,
                released_units=released,
                held_days=self.days_counts(held),
                us_share=us_share,
                cn_share=cn_share,
                network=self.network,
                as_of=today,
                overdue_deadlines=overdue_deadline_count(today=today),
            )
        )


def latest_share_series(shares: list[ShareSeries]) -> tuple[ShareSeries | None, ShareSeries | None]:
    """The US and China series of the one source whose US figures reach the latest period: never two sources."""
    us = [series for series in shares if series.country == "US" and series.observations]
    if not us:
        return None, None
    latest = max(us, key=lambda series: (series.last, series.source))
    china = next(
        (
            series
            for series in shares
            if series.country == "CN" and series.slug == latest.slug and series.granularity == latest.granularity
        ),
        None,
    )
    return latest, china
