"""`/healthz`: is the database reachable, is the broker reachable. Public, for load balancers."""

import time

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> dict[str, object]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "engine": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as error:  # any driver error means "down" to a health check
        return {"ok": False, "engine": connection.vendor, "error": str(error)[:200]}


def _check_broker() -> dict[str, object]:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "inline", "detail": "tasks run inline (no REDIS_URL)"}

    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return {"ok": True, "mode": "redis", "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as error:  # connection refused, timeout, auth: all "down"
        return {"ok": False, "mode": "redis", "error": str(error)[:200]}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
