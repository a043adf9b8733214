"""Django's Redis cache, but a Redis that cannot be reached reads as a miss and skips writes instead of raising.

Every cached figure can be computed again from the database, so pages keep rendering while Redis is down (slower,
uncached); each skipped operation is logged. Only connection failures and timeouts are absorbed: any other error
still raises. incr raises ValueError as for a missing key, so a caller's "not cached yet" path covers an outage.

After a failure, reads and fills skip Redis for OUTAGE_RETRY_S seconds without trying it: a Redis that accepts
connections but never answers would otherwise cost every cache call its socket timeout. Invalidations (incr, delete,
clear) are always tried, so a change made just after Redis returns still marks cached figures stale everywhere.
"""

import logging
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.dispatch import Signal

logger = logging.getLogger(__name__)

OUTAGE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

# Sent by the first cache operation that succeeds after one that found Redis unreachable.
cache_reconnected = Signal()


def _skipped(operation: str, error: Exception) -> None:
    logger.warning("cache: Redis unreachable, %s skipped (%s)", operation, error)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """One redis.Redis per connection pool. Django builds a new one for every operation, and building one (its table
    of response callbacks) costs more CPU than the GET it then sends."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:  # two threads may both build one: either serves, as both share the pool
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._outage = False
        self._retry_after_s = float(params.get("OUTAGE_RETRY_S", 5))
        self._untried_until = 0.0  # monotonic time before which reads and fills do not try Redis

    def _tolerant(self, operation: str, fallback, *args, invalidates: bool = False):
        """RedisCache's operation, or fallback(error) when Redis is unreachable (or was, a moment ago)."""
        if self._outage and not invalidates and time.monotonic() < self._untried_until:
            return fallback(None)
        try:
            if self._outage:
                self._reconnected()
            return getattr(RedisCache, operation)(self, *args)
        except OUTAGE as error:
            self._outage = True
            self._untried_until = time.monotonic() + self._retry_after_s
            _skipped(operation, error)
            return fallback(error)

    def _reconnected(self) -> None:
        """After an outage, before the next operation: once Redis answers, send cache_reconnected. Writes during the
        outage could not mark cached figures stale, and a Redis that kept its data would serve them again: the
        receivers move their generation keys on before anything is read."""
        self._cache.get_client(write=True).ping()
        self._outage = False
        cache_reconnected.send(sender=type(self))

    def get(self, key, default=None, version=None):
        return self._tolerant("get", lambda error: default, key, default, version)

    def get_many(self, keys, version=None):
        return self._tolerant("get_many", lambda error: {}, keys, version)

    def has_key(self, key, version=None):
        return self._tolerant("has_key", lambda error: False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("add", lambda error: False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._tolerant("set", lambda error: None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("set_many", lambda error: list(data), data, timeout, version)  # the keys not stored

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._tolerant("touch", lambda error: False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        def not_found(error):
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)") from error

        return self._tolerant("incr", not_found, key, delta, version, invalidates=True)

    def delete(self, key, version=None):
        return self._tolerant("delete", lambda error: False, key, version, invalidates=True)

    def delete_many(self, keys, version=None):
        self._tolerant("delete_many", lambda error: None, keys, version, invalidates=True)

    def clear(self):
        return self._tolerant("clear", lambda error: False, invalidates=True)
