"""mempool.space pool distribution: `GET /api/v1/mining/pools/{interval}` → share by pool headquarters.

Shape: `{"pools":[{"poolId","name","link","blockCount","rank","emptyBlocks","slug"}],"blockCount":...}`. The
window ends when it is fetched, so the shares are dated the day of retrieval (UTC).
"""

from hashrate.models import Granularity
from hashrate.sources.base import (
    JSON_CONTENT_TYPES,
    SHARES,
    ParseContext,
    Parsed,
    PayloadRefused,
    Period,
    read_json,
)
from hashrate.sources.pools import shares_by_headquarters

KIND = SHARES
CONTENT_TYPES = JSON_CONTENT_TYPES


def _count(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} is {value!r}, not a count of blocks")
    return value


def parse(payload: bytes, context: ParseContext) -> Parsed:
    data = read_json(payload)
    if not isinstance(data, dict) or not isinstance(data.get("pools"), list):
        raise PayloadRefused('expected a JSON object with a "pools" list (mempool.space mining/pools)')
    blocks_by_pool, problems = {}, []
    for index, pool in enumerate(data["pools"]):
        try:
            slug = str(pool["slug"]).strip()
            blocks = _count(pool["blockCount"], f"pools[{index}].blockCount")
        except (KeyError, TypeError):
            problems.append(f"pools[{index}]: expected slug and blockCount")
            continue
        except ValueError as error:
            problems.append(str(error))
            continue
        if slug in blocks_by_pool:
            problems.append(f"pools[{index}]: pool {slug!r} is listed twice")
        blocks_by_pool[slug] = blocks
    try:
        listed = sum(blocks_by_pool.values())
        total = _count(data.get("blockCount", listed), "blockCount")
    except ValueError as error:
        problems.append(str(error))
        total = 0
    if not problems and total < listed:
        problems.append(f"the pools' blocks add up to {listed}, more than the {total} blocks of the window")
    if not problems and total == 0:
        problems.append("the window has no blocks")
    if problems:
        raise PayloadRefused(problems)
    period = Period(Granularity.DAY, context.today)
    return Parsed(kind=KIND, shares=shares_by_headquarters(period, blocks_by_pool, total, context))
