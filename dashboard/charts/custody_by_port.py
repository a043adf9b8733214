"""Value in custody by port of entry at the end of the view: horizontal bars, the largest on top."""

import textwrap

import plotly.graph_objects as go

from dashboard.charts.inputs import PortCustody, View
from dashboard.charts.style import CUSTODY, LEDGER_SOURCE, layout

TITLE = "Value in custody by port"
METHOD = "declared unit value × units held"
COLUMNS = ["port_code", "port", "units_in_custody", "value_in_custody_usd", "hashrate_in_custody_ths"]


def _money(value) -> str:
    value = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"${value / limit:,.1f}{suffix}"
    return f"${value:,.0f}"


def port_label(port: PortCustody) -> str:
    """The port's code and name, the name folded after ~22 characters so the labels leave room for the bars."""
    name = "<br>".join(textwrap.wrap(port.name, 22)) or port.code
    return f"{port.code} {name}"


def build(*, ports: list[PortCustody], view: View) -> go.Figure:
    held = sorted((port for port in ports if port.units > 0), key=lambda port: (port.value_usd, port.code))
    fig = go.Figure()
    fig.add_bar(
        name="Value in custody (USD)",
        orientation="h",
        y=[port_label(port) for port in held],
        x=[float(port.value_usd) for port in held],
        text=[_money(port.value_usd) for port in held],
        textposition="outside",
        cliponaxis=False,
        customdata=[port.units for port in held],
        marker={"color": CUSTODY},
        hovertemplate="%{y}: $%{x:,.0f} in custody (%{customdata:,} machines)<extra></extra>",
    )
    fig.update_layout(
        xaxis={
            "tickprefix": "$",
            "tickformat": "~s",
            "rangemode": "tozero",
        },
        yaxis={"type": "category", "automargin": True},
        bargap=0.3,
    )
    when = "held today" if view.last_day >= view.as_of else f"held on {view.last_day:%Y-%m-%d}"
    note = when + ("" if held else " · nothing in custody")
    return layout(
        fig,
        title=TITLE,
        view=view,
        note=note,
        caption=[f"{LEDGER_SOURCE}; {METHOD}."],
        legend=False,
        caption_width=70,
        plot_height=max(200, 36 * len(held)),
    )


def table(*, ports: list[PortCustody], view: View):
    ordered = sorted(ports, key=lambda port: (-port.value_usd, port.code))
    return COLUMNS, [[port.code, port.name, port.units, port.value_usd, port.hashrate_ths] for port in ordered]
