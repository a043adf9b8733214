"""One parser module per upstream format: payload bytes in, rows out (see hashrate/sources/base.py)."""

from types import ModuleType

from hashrate.models import Parser
from hashrate.sources import blockchain_com, cbeci, manual_csv, mempool_hashrate, mempool_pools, pool_blocks

PARSERS: dict[str, ModuleType] = {
    Parser.CBECI: cbeci,
    Parser.MEMPOOL_HASHRATE: mempool_hashrate,
    Parser.MEMPOOL_POOLS: mempool_pools,
    Parser.BLOCKCHAIN_COM: blockchain_com,
    Parser.POOL_BLOCKS: pool_blocks,
    Parser.MANUAL_CSV: manual_csv,
}


def parser_for(parser: str) -> ModuleType:
    return PARSERS[parser]
