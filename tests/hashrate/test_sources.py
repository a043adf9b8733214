"""Each parser on real-format payloads, and the errors a person can act on."""

import datetime
import json
from decimal import Decimal

import pytest

from hashrate.services import parse_context
from hashrate.sources import blockchain_com, cbeci, manual_csv, mempool_hashrate, mempool_pools, pool_blocks
from hashrate.sources.base import PayloadRefused
from tests.hashrate.conftest import payload

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 11, 24)


@pytest.fixture
def context():
    return parse_context(today=TODAY)


def by_key(rows):
    return {(row.period.label, row.country): row for row in rows}


def test_cbeci_current_layout_maps_world_bank_names_and_reads_percent_text(context):
    parsed = cbeci.parse(payload("cbeci-mining-countries.csv"), context)
    rows = by_key(parsed.shares)
    assert len(parsed.shares) == 290
    assert rows["2022-01", "US"].share_pct == Decimal("37.84")
    assert rows["2022-01", "US"].hashrate_ehs == Decimal("70.97")
    assert rows["2022-01", "CN"].share_pct == Decimal("21.11")  # "Mainland China"
    assert rows["2019-09", "IR"].share_pct == Decimal("1.74")  # "Iran, Islamic Rep."
    assert rows["2019-09", "DE"].share_pct == Decimal("0.9")  # "Germany *"
    assert rows["2019-09", "ZZ"].share_pct == Decimal("6.1")  # "Other"


def test_cbeci_older_layout_has_shares_without_ehs(context):
    parsed = cbeci.parse(payload("cbeci-old-layout.csv"), context)
    rows = by_key(parsed.shares)
    assert len(parsed.shares) == 20
    assert rows["2019-09", "CN"].share_pct == Decimal("75.53")
    assert rows["2019-09", "CN"].hashrate_ehs is None


def test_cbeci_unknown_country_name_is_an_error_that_names_it(context):
    body = payload("cbeci-old-layout.csv").replace(b"Kazakhstan", b"Atlantis")
    with pytest.raises(PayloadRefused, match="unknown country name 'Atlantis'"):
        cbeci.parse(body, context)


def test_cbeci_unexpected_header_says_which_layouts_it_knows(context):
    with pytest.raises(PayloadRefused, match="expected `date,country,monthly_hashrate_%"):
        cbeci.parse(b"when,where,how much\n2020-01-01,United States,5%\n", context)


def test_mempool_hashrate_converts_hs_to_ehs_per_day(context):
    parsed = mempool_hashrate.parse(payload("mempool-hashrate-1w.json"), context)
    assert len(parsed.network) == 7
    first = parsed.network[0]
    assert first.day == datetime.date(2025, 4, 29)
    assert first.hashrate_ehs == pytest.approx(871.1838, abs=1e-4)


def test_mempool_pools_become_shares_by_headquarters_with_unmapped_pools_unattributed(context):
    parsed = mempool_pools.parse(payload("mempool-pools-24h.json"), context)
    shares = {row.country: row.share_pct for row in parsed.shares}
    assert shares == {
        "US": Decimal("41.6667"),  # Foundry USA 44 + MARA Pool 10 + Luxor 6 of 144 blocks
        "CN": Decimal("44.4444"),  # AntPool 26 + ViaBTC 16 + F2Pool 14 + SpiderPool 8
        "ZZ": Decimal("13.8889"),  # Binance Pool 12 + unknown 4 + OCEAN 4: no single headquarters
    }
    assert {row.period.start for row in parsed.shares} == {TODAY}


def test_blockchain_com_reads_the_chart_export_in_ms_and_the_api_in_seconds(context):
    export = blockchain_com.parse(payload("blockchain-com-hash-rate.json"), context)
    assert export.network[-1].day == datetime.date(2025, 12, 31)
    assert export.network[-1].hashrate_ehs == pytest.approx(1070.668, abs=1e-3)
    api = {"unit": "Hash Rate TH/s", "values": [{"x": 1735689600, "y": 7.8e8}, {"x": 1735776000, "y": 8.1e8}]}
    parsed = blockchain_com.parse(json.dumps(api).encode(), context)
    assert [(row.day, row.hashrate_ehs) for row in parsed.network] == [
        (datetime.date(2025, 1, 1), 780.0),
        (datetime.date(2025, 1, 2), 810.0),
    ]


def test_pool_blocks_turns_monthly_blocks_into_country_shares(context):
    parsed = pool_blocks.parse(payload("pool-blocks-monthly.csv"), context)
    rows = by_key(parsed.shares)
    assert rows["2025-01", "US"].share_pct.quantize(Decimal("0.01")) == Decimal("40.39")
    for month in ("2021-01", "2025-12"):
        assert sum(row.share_pct for key, row in rows.items() if key[0] == month) == pytest.approx(100, abs=0.001)


def test_pool_blocks_refuses_a_month_whose_pools_do_not_add_up(context):
    body = payload("pool-blocks-monthly.csv").replace(b"2021-01,f2pool,746,", b"2021-01,f2pool,700,")
    with pytest.raises(PayloadRefused, match="2021-01: pools add up to 4439 blocks, month_blocks says 4485"):
        pool_blocks.parse(body, context)


def test_manual_csv_reads_months_and_quarters(context):
    parsed = manual_csv.parse(
        b"period,country,share_pct,hashrate_ehs\n2025-Q2,us,36.025,\n2025-06,CN,13.8,125\n", context
    )
    rows = by_key(parsed.shares)
    assert rows["2025-Q2", "US"].share_pct == Decimal("36.025")
    assert rows["2025-Q2", "US"].period.start == datetime.date(2025, 4, 1)
    assert rows["2025-06", "CN"].hashrate_ehs == Decimal("125")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "the payload is empty"),
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "HTML page"),
        (b"period,country,share\n", "unexpected header"),
        (b"period,country,share_pct,hashrate_ehs\n2025-Q2,XX,1,\n", "unknown country code 'XX'"),
        (b"period,country,share_pct,hashrate_ehs\n2025-Q2,US,lots,\n", "'lots' is not a number"),
        (b"period,country,share_pct,hashrate_ehs\n2025-13,US,1,\n", "line 2"),
        (b"period,country,share_pct,hashrate_ehs\n2025-Q2,US,1\n", "line 2: 3 fields, the header has 4"),
    ],
)
def test_manual_csv_problems_are_refused_with_the_reason(context, body, message):
    with pytest.raises(PayloadRefused, match=message):
        manual_csv.parse(body, context)


def test_truncated_json_is_refused(context):
    with pytest.raises(PayloadRefused, match="not valid JSON"):
        mempool_hashrate.parse(payload("mempool-hashrate-1w.json")[:300], context)
