"""The dataset's reference rows with their sources (../shared/FACTS.md): countries, the known sources, pool HQs.

Written on every migrate (hashrate/bundled.py); rows already present are left as admins edited them.
"""

from hashrate.countries import COUNTRIES, OTHER_ALIASES, OTHER_CODE, OTHER_NAME
from hashrate.models import Country, Method, Parser, PoolCountry, Schedule, Source

TERMS_UNVERIFIED = "Upstream terms not verified: show the upstream's name and link beside every figure drawn from it."

SOURCES = [
    {
        "slug": "cbeci",
        "name": "CBECI mining map",
        "url": "https://ccaf.io/cbnsi/cbeci/api/v1.2.0/download/mining_countries",
        "homepage": "https://ccaf.io/cbnsi/cbeci/mining_map",
        "parser": Parser.CBECI,
        "method": Method.GEOLOCATION,
        "schedule": Schedule.MONTHLY,
        "terms": "Cambridge Centre for Alternative Finance (CCAF); geolocation of pool IP data, monthly, "
        f"Sep 2019 – Jan 2022. {TERMS_UNVERIFIED}",
    },
    {
        "slug": "mempool-hashrate",
        "name": "mempool.space network hashrate",
        "url": "https://mempool.space/api/v1/mining/hashrate/3m",
        "homepage": "https://mempool.space/graphs/mining/hashrate-difficulty",
        "parser": Parser.MEMPOOL_HASHRATE,
        "method": Method.NETWORK,
        "schedule": Schedule.DAILY,
        "terms": f"mempool.space public API, daily average hashrate. {TERMS_UNVERIFIED}",
    },
    {
        "slug": "mempool-pools",
        "name": "mempool.space pools by headquarters",
        "url": "https://mempool.space/api/v1/mining/pools/24h",
        "homepage": "https://mempool.space/mining",
        "parser": Parser.MEMPOOL_POOLS,
        "method": Method.POOL_HEADQUARTERS,
        "schedule": Schedule.DAILY,
        "terms": "mempool.space public API: blocks per pool over the last 24 hours, attributed to countries by "
        f"the pool headquarters table (where pools are run, not where machines hash). {TERMS_UNVERIFIED}",
    },
    {
        "slug": "blockchain-com",
        "name": "Blockchain.com hash rate",
        "url": "https://api.blockchain.info/charts/hash-rate?timespan=all&format=json",
        "homepage": "https://www.blockchain.com/explorer/charts/hash-rate",
        "parser": Parser.BLOCKCHAIN_COM,
        "method": Method.NETWORK,
        "schedule": Schedule.DAILY,
        "terms": f"Blockchain.com charts: 7-day average network hashrate. {TERMS_UNVERIFIED}",
    },
    {
        "slug": "pool-blocks",
        "name": "Monthly blocks per pool by headquarters",
        "url": "",
        "homepage": "https://github.com/sorukumar/bitcoin-mining-pools",
        "parser": Parser.POOL_BLOCKS,
        "method": Method.POOL_HEADQUARTERS,
        "schedule": Schedule.MANUAL,
        "terms": "Blocks per pool per UTC month, counted from sorukumar/bitcoin-mining-pools (BSD-2-Clause; pool "
        "attribution by bitcoin-data/mining-pools rules), attributed to countries by the pool headquarters "
        "table (where pools are run, not where machines hash).",
    },
    {
        "slug": "hashrate-index",
        "name": "Hashrate Index quarterly estimates",
        "url": "",
        "homepage": "https://hashrateindex.com/",
        "parser": Parser.MANUAL_CSV,
        "method": Method.ESTIMATE,
        "schedule": Schedule.MANUAL,
        "terms": "Hashrate Index (Luxor) quarterly estimates, entered by hand: 2025-Q2 from its Q2 2025 heatmap as "
        "quoted by Bitcoin.com News (27 May 2025); 2025-Q3 (start of the quarter) as quoted by newscrypto.net / "
        f"ainvest (Jul 2025). {TERMS_UNVERIFIED}",
    },
]

_CONFIDENT = "Headquarters stated by the pool; FACTS.md “Pool headquarters” (confident)."
_FOUNDED_IN_CHINA = "Founded in China, operating worldwide; seeded as China (FACTS.md “Pool headquarters”)."

# (pool slug as mempool.space writes it, name, country, note). Binance Pool, OCEAN, Ultimus and `unknown` have no
# single headquarters and stay out of the table: their blocks count as unattributed.
POOL_COUNTRIES = [
    ("foundryusa", "Foundry USA", "US", _CONFIDENT),
    ("marapool", "MARA Pool", "US", _CONFIDENT),
    ("luxor", "Luxor", "US", _CONFIDENT),
    ("antpool", "AntPool", "CN", f"Bitmain's pool. {_CONFIDENT}"),
    ("viabtc", "ViaBTC", "CN", _CONFIDENT),
    ("braiinspool", "Braiins Pool", "CZ", _CONFIDENT),
    ("sbicrypto", "SBI Crypto", "JP", _CONFIDENT),
    ("f2pool", "F2Pool", "CN", _FOUNDED_IN_CHINA),
    ("spiderpool", "SpiderPool", "CN", _FOUNDED_IN_CHINA),
    ("secpool", "SECPOOL", "CN", _FOUNDED_IN_CHINA),
    ("btccom", "BTC.com", "CN", _FOUNDED_IN_CHINA),
    ("poolin", "Poolin", "CN", _FOUNDED_IN_CHINA),
]


def ensure_countries() -> int:
    existing = set(Country.objects.values_list("code", flat=True))
    rows = [
        Country(code=code, name=name, aliases=list(aliases))
        for code, name, aliases in COUNTRIES
        if code not in existing
    ]
    if OTHER_CODE not in existing:
        rows.append(Country(code=OTHER_CODE, name=OTHER_NAME, aliases=list(OTHER_ALIASES), is_bucket=True))
    Country.objects.bulk_create(rows)
    return len(rows)


def ensure_sources() -> int:
    created = 0
    for row in SOURCES:
        _, was_created = Source.objects.get_or_create(slug=row["slug"], defaults=row)
        created += was_created
    return created


def ensure_pool_countries() -> int:
    created = 0
    for slug, name, country, note in POOL_COUNTRIES:
        _, was_created = PoolCountry.objects.get_or_create(
            pool_slug=slug, defaults={"pool_name": name, "country_id": country, "note": note}
        )
        created += was_created
    return created


def ensure_reference_data() -> int:
    """Create what is missing; returns how many rows were created."""
    return ensure_countries() + ensure_sources() + ensure_pool_countries()
