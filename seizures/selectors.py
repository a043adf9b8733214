"""Reads of the ledger that more than one place needs (the list, its export, the dashboard)."""

from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from seizures.models import Shipment, ShipmentLine

THS_PER_PHS = Decimal(1000)


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


def lines_for(shipments):
    """Line items of the given shipments with their models, for the list's "models" column (one query)."""
    return (
        ShipmentLine.objects.filter(shipment__in=shipments).select_related("miner_model").order_by("shipment_id", "id")
    )
