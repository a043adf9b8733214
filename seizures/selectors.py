"""Reads of the ledger that more than one place needs (the list, its export, the dashboard)."""

import datetime
import hashlib
from decimal import Decimal

from django.core.cache import cache
from django.db.models import BooleanField, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from seizures.entry_numbers import normalise_entry_number
from seizures.errors import LedgerError
from seizures.models import CustodyChange, EventKind, MinerModel, Shipment, ShipmentEvent, ShipmentLine

THS_PER_PHS = Decimal(1000)

# Totals over a million shipments take ~130 ms; they are cached under the ledger's generation, which every write
# bumps, so a cached figure is never older than the last change. The timeout only bounds writes made behind the
# services' back (raw SQL, bench/generate.py).
GENERATION_KEY = "seizures:ledger-generation"
TOTALS_TIMEOUT_S = 600


def ledger_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def bump_ledger_generation(**kwargs) -> None:
    """Receiver of ledger_changed (and called inside each write): cached ledger figures are stale from now on."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 1, timeout=None)


def demo_data_present() -> bool:
    return Shipment.objects.demo().exists()


def ledger_totals(shipments) -> dict:
    """Totals over a whole (filtered) set of shipments, in one query."""
    totals = shipments.order_by().aggregate(
        shipments=Count("pk"),
        units_detained=Coalesce(Sum("units_detained"), 0),
        units_in_custody=Coalesce(Sum("units_in_custody"), 0),
        units_released=Coalesce(Sum("units_released"), 0),
        value_in_custody_usd=Coalesce(Sum("value_in_custody_usd"), Decimal("0.00")),
        hashrate_in_custody_ths=Coalesce(Sum("hashrate_in_custody_ths"), Decimal("0.00")),
    )
    totals["hashrate_in_custody_phs"] = totals["hashrate_in_custody_ths"] / THS_PER_PHS
    return totals


def cached_ledger_totals(shipments) -> dict:
    """ledger_totals, cached per ledger generation and per filtered query."""
    sql, params = shipments.order_by().query.sql_with_params()
    digest = hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()[:32]
    key = f"seizures:ledger-totals:{ledger_generation()}:{digest}"
    totals = cache.get(key)
    if totals is None:
        totals = ledger_totals(shipments)
        cache.set(key, totals, timeout=TOTALS_TIMEOUT_S)
    return totals


def lines_for(shipments):
    """Line items of the given shipments with their models, for the list's "models" column (one query)."""
    return (
        ShipmentLine.objects.filter(shipment__in=shipments).select_related("miner_model").order_by("shipment_id", "id")
    )


def shipment_search(shipments, term: str):
    """Shipments whose entry number, bill of lading, importer or a CBP reference contains the term.

    An entry number is unique, so one is matched exactly through its index. Otherwise each field is searched on
    its own (a trigram index each on PostgreSQL) and the ids united: one OR across four tables would scan them all.
    """
    term = term.strip()
    if not term:
        return shipments
    try:
        return shipments.filter(entry_number=normalise_entry_number(term))
    except LedgerError:
        pass
    matching = (
        Shipment.objects.filter(entry_number__icontains=term)
        .values("pk")
        .union(
            Shipment.objects.filter(bill_of_lading__icontains=term).values("pk"),
            Shipment.objects.filter(importer__name__icontains=term).values("pk"),
            ShipmentEvent.objects.filter(reference__icontains=term).values("shipment_id"),
        )
    )
    return shipments.filter(pk__in=matching)


# The dashboard's time series: read-only aggregates over the custody changes and the shipments' stored figures.


class MonthStart(TruncMonth):
    """The first day of a date's month. On PostgreSQL truncated as a timestamp without time zone: DATE_TRUNC would
    otherwise cast every date to timestamptz and convert it to the session's zone."""

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"DATE_TRUNC('month', ({sql})::timestamp)::date", params


def custody_changes_by_month() -> list[dict]:
    """Units, value and hashrate entering (+) or leaving (−) custody per month, by miner model and port, in one
    query: a running sum over the months gives what was in custody at each month's end, for the whole ledger or
    any manufacturer or port. Rows: month, miner_model_id, port_id, units, value_usd, hashrate_ths.

    At a million shipments it groups ~3M changes into ~2,000 rows: the port is joined through the line (lines and
    shipments join first, then the changes: twice as fast as joining the shipments to the changes).
    """
    return list(
        CustodyChange.objects.order_by()
        .annotate(month=MonthStart("day"))
        .values("month", miner_model_id=F("line__miner_model_id"), port_id=F("line__shipment__port_id"))
        .annotate(units=Sum("units"), value_usd=Sum("value_usd"), hashrate_ths=Sum("hashrate_ths"))
    )


def detained_shipments(
    *,
    start: datetime.date | None = None,
    stop: datetime.date | None = None,
    manufacturer: str = "",
    port: str = "",
):
    """Shipments first detained on start <= day < stop, at the port (code), with a line of the manufacturer (name)."""
    shipments = Shipment.objects.filter(first_detained_on__isnull=False)
    if start:
        shipments = shipments.filter(first_detained_on__gte=start)
    if stop:
        shipments = shipments.filter(first_detained_on__lt=stop)
    if port:
        shipments = shipments.filter(port__code=port)
    if manufacturer:
        shipments = shipments.filter(
            Exists(ShipmentLine.objects.filter(shipment=OuterRef("pk"), miner_model_id__in=_model_ids(manufacturer)))
        )
    return shipments


def _model_ids(manufacturer: str) -> list[int]:
    """The manufacturer's miner models, read first: given the ids, PostgreSQL estimates how many lines match and
    hashes them (joined by name it expects one line and probes the shipments a million times)."""
    return list(MinerModel.objects.filter(manufacturer__name=manufacturer).values_list("pk", flat=True))


def status_counts(shipments) -> dict[str, int]:
    """Shipments per status, in one GROUP BY."""
    return dict(shipments.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))


def custody_days_counts(shipments, today: datetime.date) -> list[tuple[int, bool, int]]:
    """(days in custody, still held, shipments): days from the first detention to the end of custody, or to today
    while units are held; grouped in the database (a few hundred groups for a million shipments)."""
    days = ExpressionWrapper(
        Coalesce("custody_ended_on", Value(today)) - F("first_detained_on"), output_field=DurationField()
    )
    held = ExpressionWrapper(Q(units_in_custody__gt=0), output_field=BooleanField())
    rows = (
        shipments.order_by()
        .filter(first_detained_on__isnull=False)
        .annotate(days=days, held=held)
        .values("days", "held")
        .annotate(n=Count("pk"))
    )
    return [(row["days"].days, bool(row["held"]), row["n"]) for row in rows]


def units_released_between(start: datetime.date, end: datetime.date, *, manufacturer: str = "", port: str = "") -> int:
    """Units released by the active release events dated start to end (both included).

    An event that names its units counts them. A whole release (units left empty) counts the units its lines left
    custody with that day, from the custody changes; a same-day forfeiture or export of those lines counts too.
    """
    events = ShipmentEvent.objects.active().filter(kind=EventKind.RELEASED, occurred_on__range=(start, end))
    changes = CustodyChange.objects.filter(units__lt=0, day__range=(start, end))
    if port:
        events = events.filter(shipment__port__code=port)
        changes = changes.filter(shipment__port__code=port)
    counted = events.filter(units__isnull=False)
    if manufacturer:
        models = _model_ids(manufacturer)
        # A release naming units without a line is on a one-line shipment: that line's manufacturer.
        of_maker = ShipmentLine.objects.filter(shipment=OuterRef("shipment_id"), miner_model_id__in=models)
        counted = counted.filter(Q(line__miner_model_id__in=models) | Q(line__isnull=True) & Exists(of_maker))
        changes = changes.filter(line__miner_model_id__in=models)
    whole = events.filter(units__isnull=True, shipment_id=OuterRef("shipment_id"), occurred_on=OuterRef("day")).filter(
        Q(line__isnull=True) | Q(line_id=OuterRef("line_id"))
    )
    named = counted.aggregate(units=Coalesce(Sum("units"), 0))["units"]
    freed = changes.filter(Exists(whole)).aggregate(units=Coalesce(Sum("units"), 0))["units"]
    return named - freed
