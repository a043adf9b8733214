"""How long shipments have been held: shipments first detained in the view by days in custody, in 30-day bins,
those still held stacked on those whose custody is over."""

import plotly.graph_objects as go

from dashboard.charts.inputs import DaysCount, View
from dashboard.charts.style import CUSTODY, CUSTODY_ENDED, LEDGER_SOURCE, layout

TITLE = "Days in custody"
BIN_DAYS = 30
COLUMNS = ["days_from", "days_to", "still_in_custody", "custody_ended"]


def bins(days: list[DaysCount]) -> list[tuple[int, int, int, int]]:
    """(first day, last day, still held, custody ended) per 30-day bin, from 0 to the longest custody."""
    if not days:
        return []
    longest = max(count.days for count in days)
    rows = [[start, start + BIN_DAYS - 1, 0, 0] for start in range(0, longest + 1, BIN_DAYS)]
    for count in days:
        rows[max(count.days, 0) // BIN_DAYS][2 if count.held else 3] += count.shipments
    return [tuple(row) for row in rows]


def build(*, days: list[DaysCount], view: View) -> go.Figure:
    rows = bins(days)
    middles = [first + BIN_DAYS / 2 for first, _, _, _ in rows]
    labels = [f"{first}–{last}" for first, last, _, _ in rows]
    fig = go.Figure()
    for name, column, color in (("Still in custody", 2, CUSTODY), ("Custody ended", 3, CUSTODY_ENDED)):
        fig.add_bar(
            name=name,
            x=middles,
            y=[row[column] for row in rows],
            width=BIN_DAYS * 0.9,
            customdata=labels,
            marker={"color": color},
            hovertemplate=f"%{{customdata}} days: %{{y:,}} shipments {name.lower()}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        xaxis={
            "title": {"text": "Days in custody, from the first detention"},
            "tick0": 0,
            "dtick": 90,
            "rangemode": "tozero",
        },
        yaxis={"title": {"text": "Shipments"}, "tickformat": ",d", "rangemode": "tozero"},
    )
    caption = [
        f"{LEDGER_SOURCE}: shipments first detained in the view; days from the first detention to the end of "
        f"custody, or to {view.as_of:%Y-%m-%d} for those still held."
    ]
    return layout(fig, title=TITLE, view=view, note=f"{BIN_DAYS}-day bins", caption=caption, x_title=True)


def table(*, days: list[DaysCount], view: View):
    return COLUMNS, [list(row) for row in bins(days)]
