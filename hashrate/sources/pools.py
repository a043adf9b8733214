"""Blocks per pool → share by country of pool headquarters (PoolCountry). Shared by mempool-pools and pool-blocks.

Blocks of pools without a known headquarters go to the unattributed bucket: shown as such, never dropped.
"""

from collections import defaultdict
from decimal import Decimal

from hashrate.sources.base import SHARE_PLACES, ParseContext, Period, ShareRow


def shares_by_headquarters(
    period: Period, blocks_by_pool: dict[str, int], total: int, context: ParseContext
) -> list[ShareRow]:
    """One row per country with blocks, plus the bucket for unmapped pools (and blocks no pool claims)."""
    blocks_by_country: dict[str, int] = defaultdict(int)
    for pool, blocks in blocks_by_pool.items():
        blocks_by_country[context.country_by_pool.get(pool, context.bucket)] += blocks
    unclaimed = total - sum(blocks_by_pool.values())
    if unclaimed:
        blocks_by_country[context.bucket] += unclaimed
    return [
        ShareRow(period=period, country=country, share_pct=(Decimal(100 * blocks) / total).quantize(SHARE_PLACES))
        for country, blocks in sorted(blocks_by_country.items())
        if blocks
    ]
