"""One pure builder per chart: aggregates in (dashboard/charts/inputs.py), Plotly figure out.

Each module has `build(**inputs) -> go.Figure` and `table(**inputs) -> (columns, rows)` (the chart's data as CSV),
with the same keyword arguments; CHARTS lists them in the page's order, by the slugs of DESIGN.md.
"""

from dataclasses import dataclass
from types import ModuleType

from dashboard.charts import (
    custody_by_manufacturer,
    custody_by_port,
    custody_hashrate_vs_us,
    custody_vs_share,
    days_in_custody,
    status,
)
from dashboard.models import ChartSlug


@dataclass(frozen=True)
class Chart:
    slug: str
    module: ModuleType
    summary: str  # what the chart shows, in a sentence (the page's accessible description)
    wide: bool = False  # the page's full width: the two charts that set custody against the network

    @property
    def title(self) -> str:
        return self.module.TITLE


CHARTS = [
    Chart(
        ChartSlug.CUSTODY_VS_SHARE,
        custody_vs_share,
        "Bars: value of machines held at US ports each month. Lines: the US and China share of network hashrate, "
        "each source drawn on its own.",
        wide=True,
    ),
    Chart(
        ChartSlug.CUSTODY_HASHRATE_VS_US,
        custody_hashrate_vs_us,
        "Hashrate of the machines held, against the US network it would have joined (US share × network hashrate).",
        wide=True,
    ),
    Chart(ChartSlug.CUSTODY_BY_MANUFACTURER, custody_by_manufacturer, "Whose machines are held, month by month."),
    Chart(ChartSlug.CUSTODY_BY_PORT, custody_by_port, "Where the held machines are."),
    Chart(ChartSlug.STATUS, status, "Where the cases stand today."),
    Chart(ChartSlug.DAYS_IN_CUSTODY, days_in_custody, "How long shipments have been held."),
]
BY_SLUG = {chart.slug: chart for chart in CHARTS}
