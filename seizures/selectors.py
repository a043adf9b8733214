"""Reads of the ledger that more than one place needs."""

from seizures.models import Shipment


def demo_data_present() -> bool:
    return Shipment.objects.demo().exists()
