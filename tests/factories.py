"""factory_boy factories for reference data, and make_shipment for ledger rows (built through the services)."""

import datetime
from decimal import Decimal

import factory

from seizures import services
from seizures.models import Importer, Manufacturer, MinerModel, Port


class ManufacturerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Manufacturer
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Maker {n}")


class MinerModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MinerModel
        django_get_or_create = ("name",)

    manufacturer = factory.SubFactory(ManufacturerFactory)
    name = factory.Sequence(lambda n: f"Miner {n}")
    hashrate_ths = Decimal("100.00")
    power_w = 3000
    chip_vendor = ""


class PortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Port
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{9000 + n:04d}")
    name = factory.Sequence(lambda n: f"Port {n}")
    state = "CA"


class ImporterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Importer
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Importer {n} LLC")


_entry_serial = iter(range(1_000_000, 9_999_999))


def next_entry_number() -> str:
    return f"TST-{next(_entry_serial):07d}-0"


def make_shipment(
    *, lines, entry_number=None, importer=None, port=None, arrived_on=datetime.date(2024, 11, 20), **kwargs
):
    """Create a shipment through shipment_create. lines: [(MinerModel or model name, units, unit value)]."""
    line_inputs = []
    for model, units, value in lines:
        if isinstance(model, str):
            model = MinerModel.objects.get(name=model)
        line_inputs.append(services.LineInput(miner_model=model, units=units, unit_value_usd=Decimal(str(value))))
    return services.shipment_create(
        entry_number=entry_number or next_entry_number(),
        importer=importer or ImporterFactory(),
        port=port or Port.objects.get(code="2809"),
        arrived_on=arrived_on,
        lines=line_inputs,
        **kwargs,
    )
