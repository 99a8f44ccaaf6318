"""The LLM traffic every process shares through the cache: the circuit breaker, the server's slots, the last answer.

The breaker: after LLM_BREAKER_FAILURES failed calls in a row every call is skipped for LLM_BREAKER_SECONDS.
The slots: a server answers LLM_SERVER_SLOTS requests at once (llama.cpp's --parallel); a call holds one
for as long as it runs, so calls wait here, where the wait is not part of LLM_TIMEOUT, instead of in
the server's queue, where it is. Each slot expires on its own after the longest a call can take, so a
process killed mid-call frees it; while the cache is away the slots are counted in each process alone.
"""

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import cache

NO_SLOT = "skipped: no free server slot within {wait:g} s (LLM_SERVER_SLOTS={slots})"
_BREAKER_FAILURES_KEY = "llm:breaker:failures"
_BREAKER_OPEN_UNTIL_KEY = "llm:breaker:open-until"
_LAST_OK_KEY = "llm:last-ok"
_LAST_ERROR_KEY = "llm:last-error"
_SLOT_KEY = "llm:slot:{}"
_STATUS_SECONDS = 24 * 3600
# Seconds between looks for a free slot.
_POLL_SECONDS = 0.05
_local_slots: dict[int, threading.BoundedSemaphore] = {}
_local_lock = threading.Lock()


def breaker_open() -> bool:
    open_until = cache.get(_BREAKER_OPEN_UNTIL_KEY)
    return bool(open_until and time.time() < open_until)


def record_failure(purpose: str, error: str) -> None:
    cache.set(_LAST_ERROR_KEY, {"at": time.time(), "purpose": purpose, "error": error[:200]},
              timeout=_STATUS_SECONDS)
    try:
        failures = cache.incr(_BREAKER_FAILURES_KEY)
    except ValueError:
        cache.set(_BREAKER_FAILURES_KEY, 1, timeout=24 * 3600)
        failures = 1
    if failures >= settings.LLM_BREAKER_FAILURES:
        cache.set(
            _BREAKER_OPEN_UNTIL_KEY,
            time.time() + settings.LLM_BREAKER_SECONDS,
            timeout=settings.LLM_BREAKER_SECONDS,
        )
        cache.delete(_BREAKER_FAILURES_KEY)


def record_success() -> None:
    cache.delete(_BREAKER_FAILURES_KEY)
    cache.set(_LAST_OK_KEY, time.time(), timeout=_STATUS_SECONDS)


def status() -> dict[str, Any]:
    last_ok, last_error = cache.get(_LAST_OK_KEY), cache.get(_LAST_ERROR_KEY)
    failing = bool(last_error) and (not last_ok or last_error["at"] > last_ok)
    is_open = breaker_open()
    answer: dict[str, Any] = {
        "ok": not (is_open or failing), "breaker": "open" if is_open else "closed",
        "server_slots": settings.LLM_SERVER_SLOTS, "last_answer_at": last_ok,
    }
    if last_error:
        answer["last_error"] = last_error
    if is_open:
        answer["detail"] = "circuit breaker open: every call is skipped, rules and templates decide"
    elif failing:
        answer["detail"] = "the last call failed: rules and templates decide until it answers"
    return answer


def answering() -> bool:
    if breaker_open():
        return False
    last_ok, last_error = cache.get(_LAST_OK_KEY), cache.get(_LAST_ERROR_KEY)
    return not last_error or bool(last_ok) and last_ok > last_error["at"]


def _hold_seconds() -> int:
    """The longest one call can take: every attempt timing out, with the backoff between them."""
    attempts = settings.LLM_MAX_RETRIES + 1
    return int(settings.LLM_TIMEOUT * attempts + 0.5 * 2**attempts) + 5


@contextmanager
def server_slot() -> Iterator[bool]:
    """Hold a server slot while the block runs; yields False (and holds nothing) if none came free in time."""
    slots, token = settings.LLM_SERVER_SLOTS, uuid.uuid4().hex
    deadline = time.monotonic() + settings.LLM_SLOT_WAIT
    while getattr(cache, "available", True):
        for slot in range(slots):
            key = _SLOT_KEY.format(slot)
            if cache.add(key, token, timeout=_hold_seconds()):
                try:
                    yield True
                finally:
                    if cache.get(key) == token:
                        cache.delete(key)
                return
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(_POLL_SECONDS)
    with _local_lock:
        semaphore = _local_slots.setdefault(slots, threading.BoundedSemaphore(slots))
    acquired = semaphore.acquire(timeout=max(0.0, deadline - time.monotonic()))
    try:
        yield acquired
    finally:
        if acquired:
            semaphore.release()
