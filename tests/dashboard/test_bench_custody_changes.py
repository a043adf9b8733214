"""bench/generate.py fills seizures_custodychange with exactly the deltas seizures.custody.replay derives, so the
dashboard's time series at a million shipments sum the same figures as the shipments' stored ones."""

import pytest
from django.db.models import Sum

from bench import generate
from seizures.models import CustodyChange, Shipment

pytestmark = pytest.mark.django_db(transaction=True)


def test_generated_custody_changes_are_what_the_custody_engine_derives(postgres, reference_data):
    generate.ensure_generated(300)

    ids = list(Shipment.objects.values_list("pk", flat=True))
    assert generate.verify_against_custody(ids) == 300
    changes = CustodyChange.objects.aggregate(units=Sum("units"), value=Sum("value_usd"), hashrate=Sum("hashrate_ths"))
    stored = Shipment.objects.aggregate(
        units=Sum("units_in_custody"), value=Sum("value_in_custody_usd"), hashrate=Sum("hashrate_in_custody_ths")
    )
    assert changes == stored
    assert CustodyChange.objects.filter(units__lt=0).exists()


def test_a_custody_change_that_drifts_from_the_events_fails_the_verification(postgres, reference_data):
    generate.ensure_generated(300)
    change = CustodyChange.objects.order_by("pk").first()
    CustodyChange.objects.filter(pk=change.pk).update(units=change.units + 1)

    with pytest.raises(generate.BenchDataError, match="custody changes"):
        generate.verify_against_custody([change.shipment_id])
