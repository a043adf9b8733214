"""One refresh per source at a time, across processes: a Redis lock when REDIS_URL is set.

Without Redis everything runs in one process (Celery eager), where the local-memory cache's atomic add is enough.
The lock expires on its own after LOCK_TTL_S, so a worker killed mid-refresh cannot block its source for good.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

import redis
from django.conf import settings
from django.core.cache import cache as django_cache

LOCK_TTL_S = 15 * 60


def lock_name(slug: str) -> str:
    return f"hashport:hashrate:refresh:{slug}"


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)


@contextmanager
def source_lock(slug: str, ttl_s: int = LOCK_TTL_S) -> Iterator[bool]:
    """Yield whether this caller holds the source's lock; release it (only if still ours) on the way out."""
    if settings.REDIS_URL:
        lock = _client(settings.REDIS_URL).lock(lock_name(slug), timeout=ttl_s, blocking=False)
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                # Expired and maybe taken by another run: then it is theirs to release.
                with suppress(redis.exceptions.LockError):
                    lock.release()
        return
    token = uuid.uuid4().hex
    acquired = django_cache.add(lock_name(slug), token, ttl_s)
    try:
        yield acquired
    finally:
        if acquired and django_cache.get(lock_name(slug)) == token:
            django_cache.delete(lock_name(slug))
