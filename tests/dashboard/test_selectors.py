"""The ledger aggregates the dashboard reads (seizures/selectors.py) and the inputs it builds from them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard import selectors
from dashboard.filters import Filters
from dashboard.milestones import MILESTONES, ensure_milestones
from dashboard.models import ChartSlug, DataVersion, Milestone, RenderedChart
from seizures import selectors as ledger_selectors

D = datetime.date
pytestmark = pytest.mark.django_db


def test_custody_changes_by_month_group_the_deltas_by_month_manufacturer_and_port(ledger):
    rows = selectors.monthly_changes(version=1)

    assert sorted(
        (row.month, row.manufacturer, row.port, row.units, row.value_usd, row.hashrate_ths) for row in rows
    ) == [
        (D(2024, 11, 1), "Bitmain", "2809", 100, Decimal("300000.00"), Decimal("20000.00")),
        (D(2024, 11, 1), "Canaan", "2809", 10, Decimal("10000.00"), Decimal("1500.00")),
        (D(2025, 1, 1), "Canaan", "3801", 20, Decimal("24000.00"), Decimal("3000.00")),
        (D(2025, 2, 1), "Canaan", "3801", -20, Decimal("-24000.00"), Decimal("-3000.00")),
        (D(2025, 3, 1), "Bitmain", "2809", -30, Decimal("-90000.00"), Decimal("-6000.00")),
    ]


def test_the_months_levels_match_the_shipments_stored_custody_figures(ledger):
    today = timezone.localdate()
    inputs = selectors.ChartInputs(Filters.default(today), as_of=today, version=1)

    now = inputs.months[-1]
    totals = ledger_selectors.ledger_totals(ledger_selectors.Shipment.objects.all())
    assert (now.units, now.value_usd, now.hashrate_ths) == (
        totals["units_in_custody"],
        totals["value_in_custody_usd"],
        totals["hashrate_in_custody_ths"],
    )
    assert [month.units for month in inputs.months[:5]] == [110, 110, 130, 110, 80]


@pytest.mark.parametrize(
    ("filters", "released"),
    [({}, 50), ({"manufacturer": "Bitmain"}, 30), ({"manufacturer": "Canaan"}, 20), ({"port": "3801"}, 20)],
)
def test_units_released_count_named_units_and_every_unit_a_whole_release_freed(ledger, filters, released):
    assert ledger_selectors.units_released_between(D(2025, 2, 1), D(2025, 3, 31), **filters) == released


def test_a_voided_release_is_not_counted(ledger):
    from seizures import services

    release = ledger["s1"].events.get(kind="released")
    services.event_void(event=release, reason="entered for the wrong entry")

    assert ledger_selectors.units_released_between(D(2025, 3, 1), D(2025, 3, 31)) == 0


def test_status_and_days_count_only_shipments_first_detained_in_the_span(ledger):
    today = timezone.localdate()
    shipments = ledger_selectors.detained_shipments(start=D(2024, 11, 1), stop=D(2025, 4, 1))

    assert ledger_selectors.status_counts(shipments) == {"partially_released": 1, "released": 1}
    assert sorted(ledger_selectors.custody_days_counts(shipments, today)) == sorted(
        [((today - D(2024, 11, 25)).days, True, 1), (41, False, 1)]
    )
    in_december = ledger_selectors.detained_shipments(start=D(2024, 12, 1), stop=D(2025, 1, 1))
    assert ledger_selectors.status_counts(in_december) == {}
    canaan_at_detroit = ledger_selectors.detained_shipments(manufacturer="Canaan", port="3801")
    assert list(canaan_at_detroit.values_list("entry_number", flat=True)) == ["BBB-0000002-2"]


def test_share_series_keep_each_source_country_and_granularity_apart(ledger):
    series = selectors.share_series()

    keys = {(item.slug, item.country, item.granularity) for item in series}
    assert {("cbeci", "US", "month"), ("hashrate-index", "US", "quarter"), ("pool-blocks", "CN", "month")} <= keys
    cbeci_us = next(item for item in series if item.slug == "cbeci" and item.country == "US")
    assert (cbeci_us.first, cbeci_us.last) == (D(2019, 9, 1), D(2022, 1, 1))
    assert cbeci_us.observations[-1].share_pct == Decimal("37.84")
    assert cbeci_us.method_label == "IP geolocation"
    assert {item.slug for item in selectors.share_series(source_slug="hashrate-index")} == {"hashrate-index"}


def test_key_figures_take_us_and_china_from_the_one_source_reaching_the_latest_period(ledger):
    us, china = selectors.latest_share_series(selectors.share_series())

    assert us.slug == china.slug == "pool-blocks"
    assert (us.country, china.country) == ("US", "CN")


def test_network_series_is_the_source_reaching_the_latest_day(ledger):
    network = selectors.network_series()

    assert network.slug == "blockchain-com"
    assert network.observations[-1][0] == D(2025, 12, 31)


def test_the_migration_seeds_the_milestones_of_the_story_once():
    assert list(Milestone.objects.values_list("date", "title")) == [(row["date"], row["title"]) for row in MILESTONES]
    assert ensure_milestones(Milestone) == 0
    assert [mark.date for mark in selectors.milestones()] == [D(2024, 11, 25), D(2025, 2, 1), D(2025, 3, 5)]


# The stored chart with the data version: read on every dashboard request and chart read.


def test_stored_chart_comes_with_the_current_data_version_in_one_query(django_assert_num_queries):
    DataVersion.objects.update_or_create(pk=1, defaults={"version": 7})
    stored = RenderedChart.objects.create(
        slug=ChartSlug.STATUS, data_version=6, as_of=datetime.date(2025, 3, 1), figure_json="{}", data_csv="a\n"
    )

    with django_assert_num_queries(1):
        chart, version = selectors.stored_chart(ChartSlug.STATUS)

    assert version == 7
    assert (chart.pk, chart.slug, chart.data_version, chart.as_of) == (stored.pk, "status", 6, stored.as_of)
    assert (chart.figure_json, chart.data_csv, chart.etag) == ("{}", "a\n", stored.etag)


def test_no_stored_chart_still_gives_the_data_version():
    DataVersion.objects.update_or_create(pk=1, defaults={"version": 3})
    RenderedChart.objects.create(
        slug=ChartSlug.STATUS, data_version=3, as_of=datetime.date(2025, 3, 1), figure_json="{}", data_csv=""
    )

    assert selectors.stored_chart(ChartSlug.DAYS_IN_CUSTODY) == (None, 3)
