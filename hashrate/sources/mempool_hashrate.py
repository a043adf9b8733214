"""mempool.space network hashrate: `GET /api/v1/mining/hashrate/{interval}`, daily averages in H/s → EH/s.

Shape: `{"hashrates":[{"timestamp":<unix s>,"avgHashrate":<H/s>}],"difficulty":[...],"currentHashrate":...}`.
"""

import datetime

from hashrate.sources.base import (
    JSON_CONTENT_TYPES,
    NETWORK,
    NetworkRow,
    ParseContext,
    Parsed,
    PayloadRefused,
    finite_float,
    read_json,
)

KIND = NETWORK
CONTENT_TYPES = JSON_CONTENT_TYPES
HS_PER_EHS = 1e18


def parse(payload: bytes, context: ParseContext) -> Parsed:
    data = read_json(payload)
    if not isinstance(data, dict) or not isinstance(data.get("hashrates"), list):
        raise PayloadRefused('expected a JSON object with a "hashrates" list (mempool.space mining/hashrate)')
    parsed, problems = Parsed(kind=KIND), []
    for index, point in enumerate(data["hashrates"]):
        try:
            timestamp = finite_float(point["timestamp"])
            day = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).date()
            parsed.network.append(NetworkRow(day=day, hashrate_ehs=finite_float(point["avgHashrate"]) / HS_PER_EHS))
        except (KeyError, TypeError):
            problems.append(f"hashrates[{index}]: expected timestamp and avgHashrate")
        except (ValueError, OverflowError, OSError) as error:
            problems.append(f"hashrates[{index}]: {error}")
    if problems:
        raise PayloadRefused(problems)
    return parsed
