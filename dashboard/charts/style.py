"""What every chart shares: colours, the layout (title, legend, source caption, demo mark), and period helpers."""

import datetime
import textwrap

import plotly.graph_objects as go

from dashboard.charts.inputs import View, add_months

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
INK = "#1d2330"
MUTED = "#5b6475"
GRID = "#e6e9ef"
CUSTODY = "#d9822b"  # machines held: one colour on every chart
CUSTODY_ENDED = "#9aa3b2"
COUNTRY_COLORS = {"US": "#1f5fbf", "CN": "#c8102e"}
OTHER_COUNTRY = "#6c5b7b"
COUNTRY_NAMES = {"US": "US", "CN": "China"}
SOURCE_DASHES = ["solid", "dash", "dot", "dashdot", "longdash"]
PALETTE = ["#d9822b", "#2e86c1", "#16a085", "#8e44ad", "#c0392b", "#7f8c8d", "#b7950b", "#1abc9c"]
MANUFACTURER_COLORS = {"Bitmain": "#d9822b", "MicroBT": "#2e86c1", "Canaan": "#16a085"}
POOL_HQ_CAVEAT = "Pool share measures where pools are run, not where the machines hash."
LEDGER_SOURCE = "Hashport ledger (CBP events as recorded)"
DEMO_MARK = "DEMO DATA: invented shipments"

# Plotly's default template adds ~10 KB to every figure; this one holds only what the charts use.
TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": FONT, "color": INK, "size": 13},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "colorway": PALETTE,
        "xaxis": {"gridcolor": GRID, "linecolor": GRID, "zeroline": False, "automargin": True},
        "yaxis": {"gridcolor": GRID, "linecolor": GRID, "zeroline": False, "automargin": True},
        "hoverlabel": {"font": {"family": FONT}},
    }
)


def month_label(month: datetime.date) -> str:
    return f"{month:%b %Y}"


def period_middle(granularity: str, start: datetime.date) -> datetime.date:
    """The middle day of a month or quarter, where a point for the whole period is drawn."""
    months = {"month": 1, "quarter": 3}.get(granularity)
    if months is None:
        return start
    return start + (add_months(start, months) - start) / 2


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code)


def manufacturer_color(name: str, index: int) -> str:
    return MANUFACTURER_COLORS.get(name, PALETTE[(index + 3) % len(PALETTE)])


def x_range(view: View) -> list[str]:
    """From the first day of the first month to the last day of the last: whole months, no tick beyond them."""
    return [view.start.isoformat(), (view.stop - datetime.timedelta(days=1)).isoformat()]


def month_axis(view: View, *, wide: bool = False) -> dict:
    """A date axis over the view's months, with as many month labels as fit without turning them."""
    months = len(view.months)
    step = 1 if months <= (12 if wide else 6) else 3 if months <= (36 if wide else 12) else 6 if months <= 72 else 12
    if not wide and months > 12:
        step = max(step, 6)
    return {
        "type": "date",
        "range": x_range(view),
        "dtick": f"M{step}",
        "tickformat": "%b %Y",
        "ticklabelmode": "period" if step == 1 else "instant",  # a lone month's label sits under its bar
    }


def subtitle(view: View, text: str) -> str:
    parts = [text, view.filters_text, f"as of {view.as_of:%Y-%m-%d}"]
    return " · ".join(part for part in parts if part)


def wrap(lines: list[str], width: int) -> list[str]:
    """Caption lines folded to the chart's width: Plotly does not wrap annotation text."""
    return [folded for line in lines for folded in textwrap.wrap(line, width, break_on_hyphens=False)]


def _legend_rows(fig: go.Figure, wide: bool) -> tuple[int, dict]:
    """How many rows the legend takes, and its placement: long names one per row (two on a wide chart), short
    ones side by side. Fixed rows let the margins be computed, so the title, legend and plot never overlap."""
    names = [trace.name for trace in fig.data if trace.showlegend is not False and trace.name]
    placement = {
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": 1,
        "yanchor": "bottom",
        "font": {"size": 11},
        "bgcolor": "rgba(255,255,255,0)",  # never hides the top tick labels of the axes
    }
    if not names:
        return 0, placement
    if max(len(name) for name in names) <= 30:
        return 1, placement
    per_row = 2 if wide else 1
    placement |= {"entrywidth": 1 / per_row, "entrywidthmode": "fraction"}
    return -(-len(names) // per_row), placement


def layout(
    fig: go.Figure,
    *,
    title: str,
    view: View,
    note: str,
    caption: list[str],
    wide: bool = False,
    x_title: bool = False,
    plot_height: int = 280,
    legend: bool = True,
    caption_width: int | None = None,
) -> go.Figure:
    """Title and subtitle on top, the legend under them, the sources in small print under the plot, and the demo
    mark when invented shipments are in the figures: a downloaded PNG keeps all of them."""
    lines = wrap(caption, caption_width or (175 if wide else 88))
    rows, placement = _legend_rows(fig, wide) if legend else (0, {})
    legend_px = 20 * rows
    demo_px = 20 if view.demo else 0
    top = 62 + demo_px + legend_px
    axis = 62 if x_title else 34
    bottom = axis + 15 * len(lines) + 12
    fig.update_layout(
        template=TEMPLATE,
        title={
            "text": title,
            "subtitle": {"text": subtitle(view, note), "font": {"size": 12, "color": MUTED}},
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 10, "l": 14},
            "font": {"size": 16},
        },
        height=plot_height + top + bottom,
        margin={"l": 70, "r": 70, "t": top, "b": bottom, "autoexpand": True},
        showlegend=legend and rows > 0,
        legend=placement or None,
        hovermode="closest",
    )
    fig.add_annotation(
        name="caption",
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-axis,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        font={"size": 11, "color": MUTED},
    )
    if view.demo:
        fig.add_annotation(
            name="demo",
            text=DEMO_MARK,
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            yshift=legend_px + 2,  # a row of its own, between the subtitle and the legend
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": 11, "color": "#6b4d00"},
            bgcolor="#fff4d6",
            bordercolor="#f0d890",
            borderpad=3,
        )
    return fig
