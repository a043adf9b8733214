"""The key figures on top of the dashboard, each with its source, method and "as of" date. Pure: aggregates in,
plain dicts out (stored as JSON with the charts, and offered as CSV)."""

import datetime
from dataclasses import asdict, dataclass

from dashboard.charts.inputs import CustodyMonth, DaysCount, NetworkSeries, ShareSeries
from dashboard.charts.shares import POOL_HEADQUARTERS, period_text
from dashboard.charts.style import LEDGER_SOURCE, POOL_HQ_CAVEAT

THS_PER_PHS = 1000
NETWORK_DAYS = 30
RELEASED_DAYS = 30
COLUMNS = ["key", "label", "value", "unit", "source", "method", "as_of"]


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    value: float | int | None
    unit: str
    text: str  # the figure as the card shows it
    detail: str  # a line under it
    source: str
    method: str
    as_of: str


def median_days(days: list[DaysCount]) -> float | None:
    """The median of the shipments' days in custody, from counts per number of days."""
    counts = sorted((count.days, count.shipments) for count in days if count.shipments > 0)
    total = sum(shipments for _, shipments in counts)
    if total == 0:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the middle two
    found, seen = [], 0
    for value, shipments in counts:
        while wanted and wanted[0] < seen + shipments:
            found.append(value)
            wanted.pop(0)
        seen += shipments
    return (found[0] + found[1]) / 2


def latest_network(network: NetworkSeries | None) -> tuple[float, datetime.date] | None:
    """The network's mean over the 30 days up to its latest observation, and that day."""
    if network is None or not network.observations:
        return None
    last = network.observations[-1][0]
    values = [ehs for day, ehs in network.observations if last - datetime.timedelta(days=NETWORK_DAYS) < day <= last]
    return sum(values) / len(values), last


def money(value: float) -> str:
    """$5.32M, $845k, $9,500: what a card can show at a glance (the CSV keeps the cents)."""
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.2f}B"
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.2f}M"
    if abs(value) >= 1e4:
        return f"${value / 1e3:,.0f}k"
    return f"${value:,.0f}"


def _share_figure(key: str, label: str, series: ShareSeries | None) -> KeyFigure:
    if series is None or not series.observations:
        return KeyFigure(key, label, None, "%", "—", "no figure in the dataset", "", "", "")
    latest = series.observations[-1]
    caveat = f" {POOL_HQ_CAVEAT}" if series.method == POOL_HEADQUARTERS else ""
    return KeyFigure(
        key=key,
        label=label,
        value=float(latest.share_pct),
        unit="%",
        text=f"{latest.share_pct:.1f}%",
        detail="of network hashrate",
        source=series.source,
        method=f"{series.method_label}.{caveat}",
        as_of=period_text(series.granularity, latest.period_start),
    )


def key_figures(
    *,
    now: CustodyMonth,
    released_units: int,
    held_days: list[DaysCount],
    us_share: ShareSeries | None,
    cn_share: ShareSeries | None,
    network: NetworkSeries | None,
    as_of: datetime.date,
    overdue_deadlines: int | None = None,
) -> list[KeyFigure]:
    day = as_of.isoformat()
    held_phs = float(now.hashrate_ths) / THS_PER_PHS
    hashrate_detail, hashrate_method = "", "units held × their model's rated TH/s"
    average = latest_network(network)
    if us_share is not None and us_share.observations and average is not None:
        us_pct = float(us_share.observations[-1].share_pct)
        us_ehs = us_pct / 100 * average[0]
        if us_ehs > 0:
            part = held_phs / 1000 / us_ehs * 100
            hashrate_detail = f"= {part:.2f}% of the US network (est. {us_ehs:,.0f} EH/s)"
            hashrate_method += (
                f"; US network = US share {us_pct:.1f}% ({us_share.source}, "
                f"{period_text(us_share.granularity, us_share.observations[-1].period_start)}) × "
                f"{average[0]:,.0f} EH/s ({network.source}, {NETWORK_DAYS}-day mean to {average[1]:%Y-%m-%d})"
            )
    median = median_days(held_days)
    release_start = as_of - datetime.timedelta(days=RELEASED_DAYS - 1)
    figures = [
        KeyFigure(
            "machines_in_custody",
            "Machines in custody",
            now.units,
            "machines",
            f"{now.units:,}",
            "detained or seized, not yet released",
            LEDGER_SOURCE,
            "units held, not yet released, forfeited, abandoned or exported",
            day,
        ),
        KeyFigure(
            "value_in_custody_usd",
            "Value in custody",
            float(now.value_usd),
            "USD",
            money(float(now.value_usd)),
            "declared customs value",
            LEDGER_SOURCE,
            "declared unit value × units held",
            day,
        ),
        KeyFigure(
            "hashrate_in_custody_phs",
            "Hashrate in custody",
            round(held_phs, 3),
            "PH/s",
            f"{held_phs:,.1f} PH/s",
            hashrate_detail,
            LEDGER_SOURCE,
            hashrate_method,
            day,
        ),
        KeyFigure(
            "units_released_30d",
            f"Released in the last {RELEASED_DAYS} days",
            released_units,
            "machines",
            f"{released_units:,}",
            f"{release_start:%d %b} – {as_of:%d %b %Y}",
            LEDGER_SOURCE,
            "units of the release events dated in the window",
            day,
        ),
        KeyFigure(
            "median_days_held",
            "Median days held",
            median,
            "days",
            "—" if median is None else f"{median:,.0f} days",
            "shipments still in custody",
            LEDGER_SOURCE,
            "days since the first detention, median over the shipments still held",
            day,
        ),
        _share_figure("us_share_pct", "US share of network hashrate", us_share),
        _share_figure("cn_share_pct", "China share of network hashrate", cn_share),
    ]
    if overdue_deadlines is not None:
        figures.append(
            KeyFigure(
                "overdue_deadlines",
                "Overdue legal deadlines",
                overdue_deadlines,
                "deadlines",
                f"{overdue_deadlines:,}",
                "across the whole ledger; the list is under Deadlines",
                LEDGER_SOURCE,
                "open deadlines past their due date, from the deadline rules (verify with counsel)",
                day,
            )
        )
    return figures


def as_dicts(figures: list[KeyFigure]) -> list[dict]:
    return [asdict(figure) for figure in figures]


def table(figures: list[dict]):
    return COLUMNS, [[figure[column] if figure[column] is not None else "" for column in COLUMNS] for figure in figures]
