"""Blockchain.com network hashrate, TH/s → EH/s, in either shape it is published in.

The charts export: `{"metric1":"hash-rate","hash-rate":[{"x":<ms>,"y":<TH/s>}],"market-price":[...],...}`; the
public charts API: `{"unit":"Hash Rate TH/s","values":[{"x":<s>,"y":<TH/s>}]}`.
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
THS_PER_EHS = 1e6


def _points(data) -> tuple[str, list, float]:
    """The list of points, its name, and the divisor that turns `x` into seconds."""
    if isinstance(data, dict) and isinstance(data.get("hash-rate"), list):
        return "hash-rate", data["hash-rate"], 1000.0
    if isinstance(data, dict) and isinstance(data.get("values"), list):
        return "values", data["values"], 1.0
    raise PayloadRefused('expected a JSON object with a "hash-rate" list (chart export) or "values" (charts API)')


def parse(payload: bytes, context: ParseContext) -> Parsed:
    name, points, per_second = _points(read_json(payload))
    parsed, problems = Parsed(kind=KIND), []
    for index, point in enumerate(points):
        try:
            seconds = finite_float(point["x"]) / per_second
            day = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).date()
            parsed.network.append(NetworkRow(day=day, hashrate_ehs=finite_float(point["y"]) / THS_PER_EHS))
        except (KeyError, TypeError):
            problems.append(f"{name}[{index}]: expected x and y")
        except (ValueError, OverflowError, OSError) as error:
            problems.append(f"{name}[{index}]: {error}")
    if problems:
        raise PayloadRefused(problems)
    return parsed
