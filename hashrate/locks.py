"""One refresh per source at a time, across processes: a Redis lock when REDIS_URL is set.

Without Redis everything runs in one process (Celery eager), where the local-memory cache's atomic add is enough.
The lock expires on its own after settings.HASHRATE_LOCK_TTL_S (15 minutes unless the environment says otherwise),
so a worker killed mid-refresh cannot block its source for good.
"""

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

import redis
from django.conf import settings
from django.core.cache import cache as django_cache

logger = logging.getLogger(__name__)

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def lock_name(slug: str) -> str:
    return f"hashport:hashrate:refresh:{slug}"


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)


@contextmanager
def source_lock(slug: str, ttl_s: int | None = None) -> Iterator[bool]:
    """Yield whether this caller holds the source's lock; release it (only if still ours) on the way out."""
    ttl_s = ttl_s or settings.HASHRATE_LOCK_TTL_S
    if settings.REDIS_URL:
        lock = _client(settings.REDIS_URL).lock(lock_name(slug), timeout=ttl_s, blocking=False)
        try:
            acquired = lock.acquire(blocking=False)
        except REDIS_DOWN:
            # No worker can take a refresh while Redis is down, so one run here (an upload, the command) runs alone.
            logger.warning("hashrate: Redis unreachable, refreshing %s without its lock", slug)
            yield True
            return
        try:
            yield acquired
        finally:
            if acquired:
                # Expired and maybe taken by another run: then it is theirs to release.
                with suppress(redis.exceptions.LockError, *REDIS_DOWN):
                    lock.release()
        return
    token = uuid.uuid4().hex
    acquired = django_cache.add(lock_name(slug), token, ttl_s)
    try:
        yield acquired
    finally:
        if acquired and django_cache.get(lock_name(slug)) == token:
            django_cache.delete(lock_name(slug))
