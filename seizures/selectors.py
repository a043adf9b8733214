"""Reads of the ledger that more than one place needs (the list, its export, the dashboard)."""

import hashlib
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from seizures.entry_numbers import normalise_entry_number
from seizures.errors import LedgerError
from seizures.models import Shipment, ShipmentEvent, ShipmentLine

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
