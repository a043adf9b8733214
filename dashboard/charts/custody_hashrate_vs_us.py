"""Hashrate in custody (EH/s, bars, left axis) against the estimated US network hashrate (EH/s, right axis): the US
share of each share source × the network hashrate averaged over the same period, each source its own series."""

import datetime
from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard.charts import shares as share_traces
from dashboard.charts.inputs import CustodyMonth, NetworkSeries, ShareSeries, View
from dashboard.charts.style import (
    COUNTRY_COLORS,
    CUSTODY,
    LEDGER_SOURCE,
    layout,
    month_axis,
    month_label,
)

TITLE = "Hashrate held at US ports against the US network"
CUSTODY_METHOD = "units held × each model's rated TH/s, at each month's end (to date for the current month)"
COLUMNS = ["series", "source", "method", "period", "value", "unit"]


@dataclass(frozen=True)
class Estimate:
    """The US network hashrate in one period: the source's US share × the network's average over that period."""

    period_start: datetime.date
    share_pct: float
    network_ehs: float
    days_averaged: int

    @property
    def us_ehs(self) -> float:
        return self.share_pct / 100 * self.network_ehs


def network_average(network: NetworkSeries, start: datetime.date, stop: datetime.date) -> tuple[float, int] | None:
    """The mean of the network's observations dated start <= day < stop, and how many there were."""
    values = [ehs for day, ehs in network.observations if start <= day < stop]
    return (sum(values) / len(values), len(values)) if values else None


def us_estimates(series: ShareSeries, network: NetworkSeries, view: View) -> list[Estimate]:
    """One estimate per US share observation in view; a period the network has no observation for is left out."""
    estimates = []
    for point in series.between(view.start, view.stop):
        average = network_average(
            network, point.period_start, share_traces.next_period(series.granularity, point.period_start)
        )
        if average is not None:
            estimates.append(Estimate(point.period_start, float(point.share_pct), *average))
    return estimates


def method_text(series: ShareSeries, network: NetworkSeries) -> str:
    return f"US share from {series.source} ({series.method_label}) × network hashrate from {network.source}"


def build(*, months: list[CustodyMonth], shares: list[ShareSeries], network: NetworkSeries | None, view: View):
    fig = go.Figure()
    fig.add_bar(
        name="Hashrate in custody (EH/s, month end)",
        x=[month.month.isoformat() for month in months],
        y=[month.hashrate_ehs for month in months],
        customdata=[[month_label(month.month), month.units] for month in months],
        xperiod="M1",
        xperiodalignment="middle",
        marker={"color": CUSTODY},
        hovertemplate="%{customdata[0]}: %{y:,.3f} EH/s in custody (%{customdata[1]:,} machines)<extra></extra>",
    )
    us_series = sorted((series for series in shares if series.country == "US"), key=lambda series: series.slug)
    caption = [f"In custody: {LEDGER_SOURCE}; {CUSTODY_METHOD}."]
    if network is None:
        caption.append("No network hashrate in the dataset: the US network cannot be estimated.")
    else:
        for series in us_series:
            estimates = us_estimates(series, network, view)
            if not estimates:
                continue
            xs, ys, labels = share_traces.with_gaps(series, estimates, lambda estimate: round(estimate.us_ehs, 3))
            style = share_traces.trace_style(series)
            if "marker" in style:
                style["marker"] = {**style["marker"], "color": COUNTRY_COLORS["US"]}
            fig.add_scatter(
                name=f"US network · {series.source} ({series.method_label})",
                x=xs,
                y=ys,
                customdata=labels,
                yaxis="y2",
                line={
                    "color": COUNTRY_COLORS["US"],
                    "dash": share_traces.line_dash(series, us_series, view),
                    "width": 2,
                },
                hovertemplate="US network %{customdata}: ~%{y:,.0f} EH/s<extra></extra>",
                **style,
            )
            if series.granularity == "day":
                caption.append(f"{series.source}: a day's share × the network's estimate of that day.")
        caption.append(
            f"US network (estimated): the source's US share × the mean network hashrate from {network.source} over the "
            "share's period (month or quarter)."
        )
        caption += share_traces.coverage_lines(us_series, view)
    fig.update_layout(
        xaxis=month_axis(view, wide=True),
        yaxis={"title": {"text": "Hashrate in custody (EH/s)"}, "rangemode": "tozero"},
        yaxis2={
            "title": {"text": "Estimated US network (EH/s)"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickmode": "auto",
            "nticks": 6,
            "tickformat": ",.0f",
        },
        bargap=0.25,
    )
    return layout(
        fig,
        title=TITLE,
        view=view,
        note="EH/s held (bars, left) against the US network (lines, right)",
        caption=caption,
        wide=True,
        plot_height=300,
    )


def table(*, months: list[CustodyMonth], shares: list[ShareSeries], network: NetworkSeries | None, view: View):
    rows = [
        [
            "hashrate in custody",
            LEDGER_SOURCE,
            CUSTODY_METHOD,
            f"{month.month:%Y-%m}",
            round(month.hashrate_ehs, 6),
            "EH/s",
        ]
        for month in months
    ]
    if network is not None:
        for series in sorted((series for series in shares if series.country == "US"), key=lambda series: series.slug):
            for estimate in us_estimates(series, network, view):
                rows.append(
                    [
                        "estimated US network",
                        series.source,
                        method_text(series, network),
                        share_traces.period_text(series.granularity, estimate.period_start),
                        round(estimate.us_ehs, 3),
                        "EH/s",
                    ]
                )
    return COLUMNS, rows
