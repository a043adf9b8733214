"""The chart builders on a hand-made set of aggregates: the exact series, legends, annotations and captions."""

import dataclasses
import json

import pytest

from dashboard.charts import (
    CHARTS,
    custody_by_manufacturer,
    custody_by_port,
    custody_hashrate_vs_us,
    custody_vs_share,
    days_in_custody,
    status,
)
from dashboard.charts.style import DEMO_MARK, POOL_HQ_CAVEAT
from tests.dashboard import fixtures as f


def traces(fig, name_part):
    return [trace for trace in fig.data if name_part in (trace.name or "")]


def caption(fig) -> str:
    text = next(annotation.text for annotation in fig.layout.annotations if annotation.name == "caption")
    return text.replace("<br>", " ")  # lines are folded to the width of the chart


@pytest.fixture
def headline():
    return custody_vs_share.build(months=f.MONTHS, shares=f.SHARES, milestones=f.MILESTONES, view=f.VIEW)


def test_headline_bars_are_the_value_in_custody_per_month_on_the_left_axis(headline):
    [bars] = [trace for trace in headline.data if trace.type == "bar"]

    assert list(bars.x) == ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]
    assert list(bars.y) == [300000.0, 700000.0, 1100000.0, 1050000.0, 560000.0, 420000.0]
    assert (bars.xperiod, bars.xperiodalignment) == ("M1", "middle")
    assert bars.yaxis in (None, "y")
    assert headline.layout.yaxis.tickprefix == "$"


def test_headline_monthly_share_is_drawn_per_month_with_the_missing_month_left_as_a_gap(headline):
    [us] = traces(headline, "US share · Pool blocks by headquarters")
    [china] = traces(headline, "China share · Pool blocks by headquarters")

    # Month middles; October is before the view; January has no figure: None breaks the line there.
    assert list(us.x) == ["2024-11-16", "2024-12-16", "2025-01-16", "2025-02-15", "2025-03-16"]
    assert list(us.y) == [40.0, 39.5, None, 38.0, 37.5]
    assert list(china.y) == [30.1, 31.0, None, 29.0, 28.5]
    assert us.connectgaps is False
    assert us.line.dash == "solid"  # the only source drawn as a line (CBECI's span is outside the view)
    assert us.yaxis == "y2"
    assert headline.layout.yaxis2.overlaying == "y"
    assert headline.layout.yaxis2.ticksuffix == "%"


def test_headline_legend_names_the_source_and_the_method_of_every_share_series(headline):
    names = [trace.name for trace in headline.data if trace.type == "scatter"]

    assert names == [
        "US share · Hashrate Index quarterly estimates (published estimate)",
        "China share · Hashrate Index quarterly estimates (published estimate)",
        "US share · Pool blocks by headquarters (pool headquarters)",
        "China share · Pool blocks by headquarters (pool headquarters)",
    ]


def test_headline_quarterly_estimates_are_markers_at_the_quarters_middle(headline):
    [us] = traces(headline, "US share · Hashrate Index")

    assert us.mode == "markers"
    assert list(us.x) == ["2025-02-15"]  # 2025-Q1: 1 Jan + 45 of its 90 days
    assert list(us.y) == [36.025]


def test_headline_says_which_source_covers_which_span_and_labels_pool_share(headline):
    text = caption(headline)

    assert "CBECI mining map — IP geolocation: covers 2021-12 to 2022-01 (outside view)" in text
    assert "Hashrate Index quarterly estimates — published estimate: covers 2025-Q1 to 2025-Q1" in text
    assert "Pool blocks by headquarters — pool headquarters: covers 2024-10 to 2025-03" in text
    assert POOL_HQ_CAVEAT in text
    assert not traces(headline, "CBECI")


def test_headline_annotates_the_milestones_in_view_on_their_dates(headline):
    annotations = [annotation for annotation in headline.layout.annotations if annotation.name == "milestone"]
    lines = [shape for shape in headline.layout.shapes if shape.name == "milestone"]

    assert [annotation.x for annotation in annotations] == ["2024-11-25", "2025-02-01", "2025-03-05"]
    assert [(shape.x0, shape.x1) for shape in lines] == [
        ("2024-11-25", "2024-11-25"),
        ("2025-02-01", "2025-02-01"),
        ("2025-03-05", "2025-03-05"),
    ]
    assert annotations[0].text == "25 Nov 2024: First Bitmain holds"
    assert annotations[0].hovertext == "Holds at San Francisco and Detroit. (Blockspace, Nov 2024)"


def test_headline_default_view_spans_the_months_of_the_view(headline):
    assert list(headline.layout.xaxis.range) == ["2024-11-01", "2025-04-30"]


def test_every_chart_carries_the_demo_mark_when_demo_shipments_are_in_it():
    view = dataclasses.replace(f.VIEW, demo=True)
    fig = custody_by_port.build(ports=f.PORTS, view=view)

    assert DEMO_MARK in [annotation.text for annotation in fig.layout.annotations]
    plain = custody_by_port.build(ports=f.PORTS, view=f.VIEW)
    assert DEMO_MARK not in [annotation.text for annotation in plain.layout.annotations]


def test_us_network_is_the_us_share_times_the_networks_average_over_the_same_period():
    fig = custody_hashrate_vs_us.build(months=f.MONTHS, shares=f.SHARES, network=f.NETWORK, view=f.VIEW)
    [bars] = [trace for trace in fig.data if trace.type == "bar"]
    [monthly] = traces(fig, "Pool blocks by headquarters")
    [quarterly] = traces(fig, "Hashrate Index")

    assert list(bars.y) == [0.02, 0.05, 0.08, 0.076, 0.04, 0.03]  # EH/s: TH/s ÷ 1,000,000
    # Nov: 40% × mean(700, 740); Dec: 39.5% × 760; Jan: no share (gap); Feb: 38% × 800; Mar: no network figure.
    assert list(monthly.x) == ["2024-11-16", "2024-12-16", "2025-01-16", "2025-02-15"]
    assert list(monthly.y) == [288.0, 300.2, None, 304.0]
    assert monthly.name == "US network · Pool blocks by headquarters (pool headquarters)"
    assert "mean network hashrate from Blockchain.com hash rate" in caption(fig)
    assert list(quarterly.y) == [288.2]  # 36.025% × 800 (the quarter's only network figure)
    assert quarterly.mode == "markers"
    assert all(trace.yaxis == "y2" for trace in (monthly, quarterly))
    assert POOL_HQ_CAVEAT in caption(fig)


def test_without_network_hashrate_the_us_network_is_not_estimated():
    fig = custody_hashrate_vs_us.build(months=f.MONTHS, shares=f.SHARES, network=None, view=f.VIEW)

    assert [trace.type for trace in fig.data] == ["bar"]
    assert "No network hashrate in the dataset" in caption(fig)


def test_units_by_manufacturer_are_stacked_areas_per_month():
    fig = custody_by_manufacturer.build(by_manufacturer=f.BY_MANUFACTURER, view=f.VIEW)

    assert [trace.name for trace in fig.data] == ["Bitmain", "Canaan"]
    assert list(fig.data[0].y) == [60, 210, 360, 340, 160, 110]
    assert list(fig.data[1].y) == [40, 40, 40, 40, 40, 40]
    assert {trace.stackgroup for trace in fig.data} == {"units"}
    assert fig.data[0].x[0] == "2024-11-01"


def test_value_by_port_leaves_out_empty_ports_and_puts_the_largest_on_top():
    fig = custody_by_port.build(ports=f.PORTS, view=f.VIEW)
    [bars] = fig.data

    assert list(bars.y) == ["2809 San Francisco", "3801 Detroit"]  # drawn bottom-up
    assert list(bars.x) == [180000.0, 240000.0]
    assert list(bars.text) == ["$180.0k", "$240.0k"]


def test_status_bars_follow_the_order_a_case_runs_and_mark_held_statuses():
    fig = status.build(counts=f.STATUS_COUNTS, view=f.VIEW)
    [bars] = fig.data

    assert list(bars.y) == ["Forfeited", "Released", "Partially released", "Detained"]  # bottom-up
    assert list(bars.x) == [1, 7, 2, 3]
    assert list(bars.marker.color) == ["#9aa3b2", "#9aa3b2", "#d9822b", "#d9822b"]


def test_days_in_custody_are_30_day_bins_split_by_whether_custody_continues():
    fig = days_in_custody.build(days=f.DAYS, view=f.VIEW)
    held, ended = fig.data

    assert list(held.x) == [15, 45, 75, 105]  # bin middles on a day axis
    assert list(held.customdata) == ["0–29", "30–59", "60–89", "90–119"]
    assert list(held.y) == [2, 4, 0, 0]
    assert list(ended.y) == [1, 0, 0, 3]
    assert fig.layout.barmode == "stack"


def test_every_chart_has_a_csv_table_of_what_it_draws():
    kwargs = {
        "custody-vs-share": {"months": f.MONTHS, "shares": f.SHARES, "milestones": f.MILESTONES, "view": f.VIEW},
        "custody-hashrate-vs-us": {"months": f.MONTHS, "shares": f.SHARES, "network": f.NETWORK, "view": f.VIEW},
        "custody-by-manufacturer": {"by_manufacturer": f.BY_MANUFACTURER, "view": f.VIEW},
        "custody-by-port": {"ports": f.PORTS, "view": f.VIEW},
        "status": {"counts": f.STATUS_COUNTS, "view": f.VIEW},
        "days-in-custody": {"days": f.DAYS, "view": f.VIEW},
    }
    for chart in CHARTS:
        columns, rows = chart.module.table(**kwargs[chart.slug])
        assert columns, chart.slug
        assert rows, chart.slug
        assert all(len(row) == len(columns) for row in rows), chart.slug
        json.loads(chart.module.build(**kwargs[chart.slug]).to_json())

    columns, rows = custody_vs_share.table(**kwargs["custody-vs-share"])
    assert rows[0] == [
        "value in custody",
        "Hashport ledger (CBP events as recorded)",
        custody_vs_share.VALUE_METHOD,
        "2024-11",
        f.MONTHS[0].value_usd,
        "USD",
    ]
    assert [
        "US share",
        "Pool blocks by headquarters",
        "pool headquarters",
        "2025-03",
        f.POOL_US.observations[-1].share_pct,
        "%",
    ] in rows
    assert days_in_custody.table(days=f.DAYS, view=f.VIEW)[1] == [
        [0, 29, 2, 1],
        [30, 59, 4, 0],
        [60, 89, 0, 0],
        [90, 119, 0, 3],
    ]
