"""Probes for load balancers and orchestrators; they answer without a login."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

PROBE_TIMEOUT_S = 2


@login_not_required
@never_cache
def healthz(request):
    """The process is up. No I/O, so a slow database never fails this probe."""
    return HttpResponse("ok", content_type="text/plain")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    if not settings.REDIS_URL:
        return True  # tasks run in-process: there is no broker to reach
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=PROBE_TIMEOUT_S, socket_timeout=PROBE_TIMEOUT_S
        )
        return bool(client.ping())
    except redis.RedisError:
        return False


@login_not_required
@never_cache
def readyz(request):
    """Database and broker reachable; 503 naming whichever is not."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    status = 200 if all(checks.values()) else 503
    return JsonResponse({name: "ok" if ok else "down" for name, ok in checks.items()}, status=status)
