"""Units in custody by manufacturer over time: stacked areas, one per manufacturer, at each month's end."""

import plotly.graph_objects as go

from dashboard.charts.inputs import CustodyMonth, View
from dashboard.charts.style import LEDGER_SOURCE, layout, manufacturer_color, month_axis, month_label

TITLE = "Machines in custody by manufacturer"
METHOD = "units held at each month's end (to date for the current month)"
COLUMNS = ["month", "manufacturer", "units_in_custody", "value_in_custody_usd", "hashrate_in_custody_ths"]


def build(*, by_manufacturer: dict[str, list[CustodyMonth]], view: View) -> go.Figure:
    fig = go.Figure()
    for index, (manufacturer, months) in enumerate(by_manufacturer.items()):
        color = manufacturer_color(manufacturer, index)
        fig.add_scatter(
            name=manufacturer,
            x=[month.month.isoformat() for month in months],
            y=[month.units for month in months],
            customdata=[month_label(month.month) for month in months],
            xperiod="M1",
            xperiodalignment="middle",
            mode="lines",
            stackgroup="units",
            line={"color": color, "width": 1.5},
            fillcolor=color,
            hovertemplate=f"{manufacturer} %{{customdata}}: %{{y:,}} machines<extra></extra>",
        )
    fig.update_layout(
        xaxis=month_axis(view),
        yaxis={"title": {"text": "Machines in custody"}, "tickformat": ",d", "rangemode": "tozero"},
        hovermode="x unified",
    )
    return layout(fig, title=TITLE, view=view, note="stacked", caption=[f"{LEDGER_SOURCE}; {METHOD}."], plot_height=260)


def table(*, by_manufacturer: dict[str, list[CustodyMonth]], view: View):
    rows = [
        [f"{month.month:%Y-%m}", manufacturer, month.units, month.value_usd, month.hashrate_ths]
        for manufacturer, months in by_manufacturer.items()
        for month in months
    ]
    rows.sort(key=lambda row: (row[0], row[1]))
    return COLUMNS, rows
