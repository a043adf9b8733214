import datetime
from decimal import Decimal

import pytest

from hashrate import bundled, services
from hashrate.models import CountryShare, Granularity, NetworkHashrate, RefreshRun, Source, Trigger
from tests.hashrate.conftest import payload

pytestmark = pytest.mark.django_db


def share(slug, period_start, country):
    return CountryShare.objects.get(source__slug=slug, period_start=period_start, country_id=country)


def test_migrate_loads_the_cbeci_file_into_cbeci_marked_bundled():
    us = share("cbeci", datetime.date(2022, 1, 1), "US")
    assert (us.share_pct, us.hashrate_ehs, us.granularity) == (Decimal("37.84"), Decimal("70.97"), Granularity.MONTH)
    assert us.is_bundled
    assert share("cbeci", datetime.date(2020, 4, 1), "US").share_pct == Decimal("7.24")
    # The shipped file says 64.81% where FACTS.md quotes 65.08% (another CBECI release): the file is what loads.
    assert share("cbeci", datetime.date(2020, 4, 1), "CN").share_pct == Decimal("64.81")
    assert CountryShare.objects.filter(source__slug="cbeci").count() == 290


def test_cbeci_other_row_is_kept_as_the_unattributed_bucket():
    other = share("cbeci", datetime.date(2022, 1, 1), "ZZ")
    assert other.share_pct == Decimal("9.02")
    assert other.country.is_bucket
    assert not other.is_derived


def test_hashrate_index_quarters_load_only_the_exact_figures():
    q2 = dict(
        CountryShare.objects.filter(source__slug="hashrate-index", period_start=datetime.date(2025, 4, 1))
        .filter(is_derived=False)
        .values_list("country_id", "share_pct")
    )
    assert q2 == {
        "US": Decimal("36.025"),
        "CN": Decimal("13.727"),
        "RU": Decimal("15.652"),
        "CA": Decimal("2.919"),
        "KZ": Decimal("2.484"),
    }  # Paraguay's "~3.602%" is approximate: not loaded
    q3_us = share("hashrate-index", datetime.date(2025, 7, 1), "US")
    assert (q3_us.share_pct, q3_us.hashrate_ehs, q3_us.granularity) == (
        Decimal("35.81"),
        Decimal("323.4"),
        Granularity.QUARTER,
    )
    # Canada's "~2.935%" at the start of Q3 is approximate, and so is China's "~14%" in 2025-10.
    assert not CountryShare.objects.filter(
        source__slug="hashrate-index", period_start=datetime.date(2025, 7, 1), country_id="CA"
    ).exists()
    assert not CountryShare.objects.filter(source__slug="hashrate-index", period_start=datetime.date(2025, 10, 1))


def test_the_rest_of_a_partial_quarter_shows_as_derived_unattributed():
    rest = share("hashrate-index", datetime.date(2025, 4, 1), "ZZ")
    assert rest.is_derived
    assert rest.share_pct == Decimal("29.193")


def test_network_hashrate_and_pool_blocks_load_into_their_own_sources():
    last = NetworkHashrate.objects.filter(source__slug="blockchain-com").latest("day")
    assert last.day == datetime.date(2025, 12, 31)
    assert last.hashrate_ehs == pytest.approx(1070.668, abs=0.001)
    us = share("pool-blocks", datetime.date(2025, 1, 1), "US")
    # Foundry USA + MARA Pool + Luxor: 40.39% of January 2025's blocks (FACTS.md, BlocksBridge agrees).
    assert us.share_pct.quantize(Decimal("0.01")) == Decimal("40.39")
    assert share("pool-blocks", datetime.date(2025, 12, 1), "US").share_pct.quantize(Decimal("0.01")) == Decimal(
        "35.13"
    )


def test_loading_the_bundled_data_again_adds_nothing_and_records_no_run():
    runs = RefreshRun.objects.count()
    assert bundled.load_bundled_data() == 0
    assert RefreshRun.objects.count() == runs


def test_a_refresh_supersedes_the_bundled_copy_and_a_later_migrate_does_not_revert_it():
    cbeci = Source.objects.get(slug="cbeci")
    changed = payload("cbeci-mining-countries.csv").replace(
        b"2022-01-01,United States,37.84%", b"2022-01-01,United States,37.80%"
    )
    changed = changed.replace(b"2022-01-01,Other,9.02%", b"2022-01-01,Other,9.06%")
    run = services.source_refresh(source=cbeci, trigger=Trigger.COMMAND, payload=changed)
    assert run.outcome == "succeeded", run.message
    us = share("cbeci", datetime.date(2022, 1, 1), "US")
    assert (us.share_pct, us.is_bundled) == (Decimal("37.80"), False)
    assert not CountryShare.objects.filter(source=cbeci, is_bundled=True).exists()

    bundled.load_bundled_data()
    assert share("cbeci", datetime.date(2022, 1, 1), "US").share_pct == Decimal("37.80")
