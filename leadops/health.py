"""`/healthz`: what works and what is down. Public, for load balancers and the container health check.

Each part says `ok` and why not: the database, the shared cache and the broker (both Redis in
production), how many tasks wait in the outbox for the broker (leadops.outbox), and the LLM (off,
answering, failing or with its circuit breaker open; leadops.llm.status). The answer is "ok"; "degraded"
with the parts that are down listed in `down` while Redis is away or the LLM fails, since pages, login,
the API and unsubscribe go on without them and rules and templates stand in for the LLM (still 200:
taking the web app out of a load balancer would bring neither back); and "error" with 503 when the
database is down, without which nothing works.
"""

import os
import time
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadops import llm, outbox

# The parts without which no request can be served.
ESSENTIAL = ("database",)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _check_database() -> dict[str, object]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "engine": connection.vendor, "ms": _elapsed_ms(started)}
    except Exception as error:  # any driver error means "down" to a health check
        return {"ok": False, "engine": connection.vendor, "error": str(error)[:200]}


def _check_cache() -> dict[str, object]:
    ping = getattr(cache, "ping", None)
    if ping is None:
        return {"ok": True, "mode": "folder",
                "detail": "a folder in DATA_DIR shared by web, worker and beat (no REDIS_URL)"}
    started = time.perf_counter()
    try:
        ping()
        return {"ok": True, "mode": "redis", "ms": _elapsed_ms(started)}
    except Exception as error:  # refused, timed out, loading: all "down"
        return {"ok": False, "mode": "redis", "error": str(error)[:200],
                "detail": "pages work without it; cached numbers are recomputed"}


def _check_broker() -> dict[str, object]:
    if not settings.REDIS_URL:
        # The embedded default's broker is a folder (kombu's filesystem transport): it answers if it can be written.
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        writable = bool(folder) and os.access(folder, os.W_OK)
        return {"ok": writable, "mode": "folder",
                "detail": f"{folder} (no REDIS_URL)" + ("" if writable else " cannot be written")}
    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return {"ok": True, "mode": "redis", "ms": _elapsed_ms(started)}
    except Exception as error:  # connection refused, timeout, auth: all "down"
        return {"ok": False, "mode": "redis", "error": str(error)[:200],
                "detail": "tasks wait in the database and are sent when the broker is back"}


def _check_outbox(database_ok: bool) -> dict[str, object]:
    if not database_ok:
        return {"ok": False, "error": "the database is down"}
    return {"ok": True, "waiting_tasks": outbox.waiting()}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {"database": _check_database(), "cache": _check_cache(), "broker": _check_broker()}
    checks["outbox"] = _check_outbox(checks["database"]["ok"])
    checks["llm"] = llm.status()
    down = [name for name, check in checks.items() if not check["ok"]]
    status = "error" if set(down) & set(ESSENTIAL) else "degraded" if down else "ok"
    return JsonResponse({"status": status, "down": down, **checks}, status=503 if status == "error" else 200)
