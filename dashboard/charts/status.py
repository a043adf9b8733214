"""Shipments first detained in the view, by their status today: horizontal bars in the order a case runs."""

import plotly.graph_objects as go

from dashboard.charts.inputs import StatusCount, View
from dashboard.charts.style import CUSTODY, CUSTODY_ENDED, LEDGER_SOURCE, layout

TITLE = "Shipments by status"
COLUMNS = ["status", "label", "shipments"]
# Statuses in which machines are still held.
HELD = {"detained", "seized", "partially_released"}
# The order a case runs in; a status not listed goes last.
ORDER = ["detained", "seized", "partially_released", "released", "exported", "forfeited", "closed", "recorded"]


def _position(count: StatusCount) -> int:
    return ORDER.index(count.status) if count.status in ORDER else len(ORDER)


def build(*, counts: list[StatusCount], view: View) -> go.Figure:
    ordered = sorted(counts, key=_position, reverse=True)  # horizontal bars are drawn bottom-up
    fig = go.Figure()
    fig.add_bar(
        name="Shipments",
        orientation="h",
        y=[count.label for count in ordered],
        x=[count.shipments for count in ordered],
        text=[f"{count.shipments:,}" for count in ordered],
        textposition="outside",
        cliponaxis=False,
        marker={"color": [CUSTODY if count.status in HELD else CUSTODY_ENDED for count in ordered]},
        hovertemplate="%{y}: %{x:,} shipments<extra></extra>",
    )
    fig.update_layout(
        xaxis={"tickformat": ",d", "rangemode": "tozero"},
        yaxis={"type": "category", "automargin": True},
        bargap=0.3,
    )
    caption = [
        f"{LEDGER_SOURCE}: shipments first detained in the view, by their status today.",
        "Amber: machines still held; grey: custody over.",
    ]
    return layout(
        fig, title=TITLE, view=view, note="first detained in the view", caption=caption, legend=False, caption_width=75
    )


def table(*, counts: list[StatusCount], view: View):
    return COLUMNS, [[count.status, count.label, count.shipments] for count in sorted(counts, key=_position)]
