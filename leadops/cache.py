"""The shared cache on Redis, and what it does while Redis is away: the product keeps working.

Everything LeadOps keeps in the cache can be recomputed or read again from the database (run-time
settings, the dashboard's numbers, enrichment results, the LLM circuit breaker, locks that only save
duplicate work), so when Redis does not answer, `ResilientRedisCache` turns a read into a miss and drops a
write instead of raising: pages, login, the intake API and unsubscribe go on with the database alone.
After a failure the process leaves Redis alone for RETRY_SECONDS, so a request pays for at most one
failed connection attempt, not one per cache call.

A write lost in an outage could leave Redis holding an older value once it is back (a setting changed
meanwhile, a dashboard invalidation): the keys this process wrote or deleted while Redis was away are
deleted first thing when it answers again, so they are read afresh from the database.

`LocalFallbackRedisCache` is the variant for counters that must go on counting: while Redis is away it
counts in this process's memory, so django-ratelimit's limits (login, API, password reset) hold per
process instead of refusing everyone (its answer to a cache that cannot count) or failing open.

`cached` (with `version` and `invalidate`) is how the pages and the API keep the numbers that cost a scan
(counts, the review queue's head): stampede-safe, and dropped as one when the lead base changes.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

# Errors that mean "Redis is not there": redis-py's own (refused, timed out, loading, read-only
# replica) and the socket's.
UNAVAILABLE = (RedisError, OSError)
# Keys remembered per process for deletion on recovery; past this an outage's writes are too many to
# replay, and the cache's timeouts age them out instead.
MAX_LOST_WRITES = 10_000


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that misses instead of raising while Redis is unavailable."""

    RETRY_SECONDS = 2.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0
        self._lost_writes: set[str] = set()
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """False while this process leaves Redis alone after a failed call."""
        return time.monotonic() >= self._down_until

    def ping(self) -> None:
        """Ask Redis itself, whatever this process believes; raises when it does not answer (the health check)."""
        self._cache.get_client(write=True).ping()

    def _when_down(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        """What a call answers while Redis is away: a miss, or a write that did not happen."""
        if operation == "incr":
            raise ValueError(f"Key '{args[0]}' not found.")  # as for a key that is not there
        return {"add": False, "touch": False, "delete": False, "has_key": False, "get_many": {},
                "set_many": list(args[0]) if args else []}.get(operation, kwargs.get("default"))

    def _call(self, operation: str, run: Callable[[], Result], *args: Any, written: Iterable[str] = (),
              **kwargs: Any) -> Result:
        if self.available:
            try:
                if self._lost_writes:
                    self._forget_lost_writes()
                result = run()
            except UNAVAILABLE as error:
                self._went_away(error)
            else:
                if self._down_until:
                    self._came_back()
                return result
        lost = list(written)
        if lost:
            with self._lock:
                if len(self._lost_writes) + len(lost) <= MAX_LOST_WRITES:
                    self._lost_writes.update(lost)
        return self._when_down(operation, *args, **kwargs)

    def _went_away(self, error: BaseException) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + self.RETRY_SECONDS
        if first:
            logger.warning("The cache (Redis) is not answering (%s); going on without it", error)

    def _came_back(self) -> None:
        with self._lock:
            self._down_until = 0.0
        logger.warning("The cache (Redis) answers again")

    def _forget_lost_writes(self) -> None:
        with self._lock:
            keys, self._lost_writes = list(self._lost_writes), set()
        try:
            self._cache.delete_many(keys)
        except UNAVAILABLE:
            with self._lock:
                self._lost_writes.update(keys)
            raise
        logger.info("Dropped %d cache keys written while Redis was away", len(keys))

    def _key(self, key: str, version: int | None) -> str:
        return self.make_and_validate_key(key, version=version)

    # --- Django's cache API ----------------------------------------------------------------------

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        # Not remembered as a lost write: a failed add changed nothing (and may be someone's lock).
        return self._call("add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
                          key, value, timeout=timeout, version=version)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._call("get", lambda: super(ResilientRedisCache, self).get(key, default, version),
                          key, default=default, version=version)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        return self._call("set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
                          key, value, timeout=timeout, version=version, written=[self._key(key, version)])

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call("touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
                          key, timeout=timeout, version=version)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._call("delete", lambda: super(ResilientRedisCache, self).delete(key, version),
                          key, version=version, written=[self._key(key, version)])

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        keys = list(keys)
        return self._call("get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version),
                          keys, version=version)

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._call("has_key", lambda: super(ResilientRedisCache, self).has_key(key, version),
                          key, version=version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._call("incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version),
                          key, delta, version=version, written=[self._key(key, version)])

    def set_many(self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[str]:
        return self._call("set_many", lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
                          data, timeout=timeout, version=version,
                          written=[self._key(key, version) for key in data])

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        keys = list(keys)
        return self._call("delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version),
                          keys, version=version, written=[self._key(key, version) for key in keys])

    def clear(self) -> bool:
        return self._call("clear", lambda: super(ResilientRedisCache, self).clear())


class LocalFallbackRedisCache(ResilientRedisCache):
    """While Redis is away, every call goes to a cache in this process's memory instead."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._local = LocMemCache(f"fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300),
                                                           "KEY_PREFIX": params.get("KEY_PREFIX", "")})

    def _when_down(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._local, operation)(*args, **kwargs)

    def clear(self) -> bool:
        self._local.clear()
        return super().clear()


# --- Cached numbers: counts and orders that cost a scan, shared by the pages and the API ---------------------
# Recomputed after this long; a stale copy is served meanwhile (see cached).
FRESH_SECONDS = 25
_VERSION_KEY = "leadops:dashboard:version"


def invalidate(**_signal_arguments: object) -> None:
    """Drop every cached number, so the next page or API call shows the lead base as it is now.

    Also the receiver of `leads.signals.leads_changed` (connected by the leads app): a person's own change
    shows on their next page.
    """
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)


def version() -> int:
    """The cache generation; a view reads it once and passes it to each `cached` call."""
    current = cache.get(_VERSION_KEY)
    if current is None:
        cache.add(_VERSION_KEY, 1, timeout=None)
        current = cache.get(_VERSION_KEY, 1)
    return int(current)


def cached(name: str, compute: Callable[[], Result], generation: int | None = None) -> Result:
    """Serve a cached value; past FRESH_SECONDS one request recomputes while others get the old one.

    Without this, eight clients whose cache expires together would all run the same 200 ms
    aggregate at once. A stale copy is at most FRESH_SECONDS plus one recompute old.
    """
    key = f"leadops:dashboard:{generation if generation is not None else version()}:{name}"
    entry = cache.get(key)
    now = time.time()
    if entry is not None and (entry["at"] + FRESH_SECONDS > now or not cache.add(f"{key}:lock", 1, timeout=30)):
        return entry["value"]
    try:
        value = compute()
        cache.set(key, {"value": value, "at": now}, timeout=FRESH_SECONDS * 20)
    finally:
        cache.delete(f"{key}:lock")
    return value
