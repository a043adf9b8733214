"""Share series as chart traces: each source its own trace, monthly and quarterly points at their period's middle,
quarters as markers only, gaps left as gaps (a missing period breaks the line; nothing is interpolated)."""

import datetime

from dashboard.charts.inputs import ShareSeries, View, add_months
from dashboard.charts.style import POOL_HQ_CAVEAT, SOURCE_DASHES, period_middle

POOL_HEADQUARTERS = "pool_headquarters"


def next_period(granularity: str, start: datetime.date) -> datetime.date:
    if granularity == "month":
        return add_months(start, 1)
    if granularity == "quarter":
        return add_months(start, 3)
    return start + datetime.timedelta(days=1)


def period_text(granularity: str, start: datetime.date) -> str:
    """How a period is written: 2022-01, 2025-Q2, 2025-07-01 (as in the dataset's CSVs)."""
    if granularity == "month":
        return f"{start:%Y-%m}"
    if granularity == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return start.isoformat()


def with_gaps(series: ShareSeries, points: list, value) -> tuple[list[str], list, list[str]]:
    """x (period middles), y and period labels, with a None wherever a period is missing between two points."""
    xs, ys, labels = [], [], []
    previous = None
    for point in points:
        if previous is not None and next_period(series.granularity, previous) < point.period_start:
            gap = next_period(series.granularity, previous)
            xs.append(period_middle(series.granularity, gap).isoformat())
            ys.append(None)
            labels.append(period_text(series.granularity, gap))
        xs.append(period_middle(series.granularity, point.period_start).isoformat())
        ys.append(value(point))
        labels.append(period_text(series.granularity, point.period_start))
        previous = point.period_start
    return xs, ys, labels


def trace_style(series: ShareSeries) -> dict:
    """Quarterly estimates are markers (never joined into a line); monthly and daily series are lines."""
    if series.granularity == "quarter":
        return {"mode": "markers", "marker": {"symbol": "diamond", "size": 11}}
    if series.granularity == "month":
        return {"mode": "lines+markers", "marker": {"size": 5}, "connectgaps": False}
    return {"mode": "lines", "connectgaps": False}


def line_dash(series: ShareSeries, shares: list[ShareSeries], view: View) -> str:
    """Line styles tell sources apart (colours tell countries): the first source drawn as a line is solid."""
    line_sources = sorted(
        {other.slug for other in shares if other.granularity != "quarter" and other.between(view.start, view.stop)}
    )
    index = line_sources.index(series.slug) if series.slug in line_sources else 0
    return SOURCE_DASHES[index % len(SOURCE_DASHES)]


def coverage_lines(shares: list[ShareSeries], view: View) -> list[str]:
    """One line per source: its method and the span it covers, and whether that span is in view."""
    lines, seen = [], set()
    for series in sorted(shares, key=lambda series: series.source):
        if series.slug in seen or not series.observations:
            continue
        seen.add(series.slug)
        sources = [other for other in shares if other.slug == series.slug and other.observations]
        first = min(other.first for other in sources)
        last = max(other.last for other in sources)
        span = f"{period_text(series.granularity, first)} to {period_text(series.granularity, last)}"
        outside = "" if first < view.stop and next_period(series.granularity, last) > view.start else " (outside view)"
        lines.append(f"{series.source} — {series.method_label}: covers {span}{outside}")
    if any(series.method == POOL_HEADQUARTERS for series in shares):
        lines.append(POOL_HQ_CAVEAT)
    return lines
