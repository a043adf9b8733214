"""The headline chart: value of machines in custody per month (bars, USD, left axis) against the US and China share
of network hashrate (lines and markers, %, right axis), each share source its own series, with dated milestones."""

import math

import plotly.graph_objects as go

from dashboard.charts import shares as share_traces
from dashboard.charts.inputs import CustodyMonth, Mark, ShareSeries, View
from dashboard.charts.style import (
    COUNTRY_COLORS,
    CUSTODY,
    LEDGER_SOURCE,
    MUTED,
    OTHER_COUNTRY,
    country_name,
    layout,
    month_axis,
    month_label,
)

TITLE = "Machines held at US ports against the US and China share of Bitcoin mining"
VALUE_METHOD = "declared unit value × units held, at each month's end (to date for the current month)"
COLUMNS = ["series", "source", "method", "period", "value", "unit"]


def share_trace_name(series: ShareSeries) -> str:
    """The legend names the country, the source and the method: no reader can mistake one method for another."""
    return f"{country_name(series.country)} share · {series.source} ({series.method_label})"


def _sources_in_order(shares: list[ShareSeries]) -> list[str]:
    return sorted({series.slug for series in shares})


def _milestones(marks: list[Mark], view: View) -> tuple[list[dict], list[dict]]:
    shown = [mark for mark in marks if view.start <= mark.date < view.stop]
    shapes, annotations = [], []
    for index, mark in enumerate(shown):
        when = mark.date.isoformat()
        shapes.append(
            {
                "name": "milestone",
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": when,
                "x1": when,
                "y0": 0,
                "y1": 1,
                "line": {"color": MUTED, "width": 1, "dash": "dot"},
            }
        )
        annotations.append(
            {
                "name": "milestone",
                "x": when,
                "xref": "x",
                "y": 1 - 0.075 * (index % 4),
                "yref": "paper",
                "yanchor": "top",
                "xanchor": "left",
                "xshift": 3,
                "text": f"{mark.date.day} {mark.date:%b %Y}: {mark.title}",
                "hovertext": f"{mark.detail} ({mark.source})" if mark.source else mark.detail,
                "showarrow": False,
                "align": "left",
                "font": {"size": 11, "color": MUTED},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
        )
    return shapes, annotations


def build(*, months: list[CustodyMonth], shares: list[ShareSeries], milestones: list[Mark], view: View) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(
        name="Value in custody (USD, month end)",
        x=[month.month.isoformat() for month in months],
        y=[float(month.value_usd) for month in months],
        customdata=[[month_label(month.month), month.units] for month in months],
        xperiod="M1",
        xperiodalignment="middle",
        marker={"color": CUSTODY},
        hovertemplate="%{customdata[0]}: $%{y:,.0f} in custody (%{customdata[1]:,} machines)<extra></extra>",
    )
    order = _sources_in_order(shares)
    highest = 0.0
    for series in sorted(shares, key=lambda series: (order.index(series.slug), series.country != "US", series.country)):
        points = series.between(view.start, view.stop)
        if not points:
            continue
        xs, ys, labels = share_traces.with_gaps(series, points, lambda point: float(point.share_pct))
        highest = max([highest, *(y for y in ys if y is not None)])
        style = share_traces.trace_style(series)
        color = COUNTRY_COLORS.get(series.country, OTHER_COUNTRY)
        if "marker" in style:
            style["marker"] = {**style["marker"], "color": color}
        fig.add_scatter(
            name=share_trace_name(series),
            x=xs,
            y=ys,
            customdata=labels,
            yaxis="y2",
            line={"color": color, "dash": share_traces.line_dash(series, shares, view), "width": 2},
            hovertemplate=f"{country_name(series.country)} %{{customdata}}: %{{y:.2f}}% "
            f"({series.source}, {series.method_label})<extra></extra>",
            **style,
        )
    shapes, annotations = _milestones(milestones, view)
    fig.update_layout(
        xaxis=month_axis(view, wide=True),
        yaxis={
            "title": {"text": "Value in custody (USD)"},
            "tickprefix": "$",
            "tickformat": "~s",
            "rangemode": "tozero",
        },
        yaxis2={
            "title": {"text": "Share of network hashrate (%)"},
            "overlaying": "y",
            "side": "right",
            "ticksuffix": "%",
            "range": [0, max(60, math.ceil(highest * 1.1 / 10) * 10)],
            "dtick": 10,
            "showgrid": False,
        },
        shapes=shapes,
        bargap=0.25,
    )
    for annotation in annotations:
        fig.add_annotation(annotation)
    caption = [f"Value in custody: {LEDGER_SOURCE}; {VALUE_METHOD}.", *share_traces.coverage_lines(shares, view)]
    return layout(
        fig,
        title=TITLE,
        view=view,
        note="value held (bars) against network share (lines)",
        caption=caption,
        wide=True,
        plot_height=330,
    )


def table(*, months: list[CustodyMonth], shares: list[ShareSeries], milestones: list[Mark], view: View):
    rows = [
        ["value in custody", LEDGER_SOURCE, VALUE_METHOD, f"{month.month:%Y-%m}", month.value_usd, "USD"]
        for month in months
    ]
    for series in sorted(shares, key=lambda series: (series.source, series.country)):
        for point in series.between(view.start, view.stop):
            rows.append(
                [
                    f"{country_name(series.country)} share",
                    series.source,
                    series.method_label,
                    share_traces.period_text(series.granularity, point.period_start),
                    point.share_pct,
                    "%",
                ]
            )
    return COLUMNS, rows
