"""leadops.cache on a real Redis that the tests stop, pause and start: the cache misses instead of failing."""

import pytest
import redis
from django.conf import settings
from django.core.cache import caches

from conftest import LeadFactory
from leadops.cache import ResilientRedisCache


@pytest.fixture
def outage_caches(settings, stoppable_redis, monkeypatch):  # type: ignore[no-untyped-def]
    settings.CACHES = stoppable_redis.caches()
    # Try Redis again at once after a failure, so a test need not wait for the pause between attempts.
    monkeypatch.setattr(ResilientRedisCache, "RETRY_SECONDS", 0.0)
    return stoppable_redis


def test_the_cache_misses_instead_of_failing_while_redis_is_down_and_is_used_again_when_it_is_back(outage_caches):
    cache = caches["default"]
    cache.set("greeting", "hello")
    outage_caches.stop()

    assert cache.get("greeting") is None and cache.get("greeting", "fallback") == "fallback"
    cache.set("greeting", "hi")
    assert cache.add("lock", 1) is False  # nobody gets a lock the cache cannot hold
    with pytest.raises(ValueError):
        cache.incr("counter")
    assert cache.get_many(["greeting"]) == {} and cache.delete("greeting") is False
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.ping()  # the health check asks Redis itself

    outage_caches.start()
    cache.set("greeting", "back")
    assert cache.get("greeting") == "back"


def test_a_value_changed_while_redis_was_away_is_not_served_stale_once_it_answers_again(outage_caches):
    cache = caches["default"]
    cache.set("setting", "old")
    outage_caches.pause()
    cache.set("setting", "new")  # lost: Redis keeps "old"
    outage_caches.resume()

    assert cache.get("setting") is None  # read afresh from the database, not "old"
    assert caches["default"].get("setting") is None


def test_rate_limit_counters_go_on_counting_in_memory_while_redis_is_down(outage_caches):
    counters = caches["ratelimit"]
    outage_caches.stop()

    assert counters.add("tries", 0) is True
    assert [counters.incr("tries") for _ in range(3)] == [1, 2, 3]
    assert counters.get("tries") == 3


def test_login_and_signed_in_pages_work_while_redis_is_down(outage_caches, rep, client):
    lead = LeadFactory()
    outage_caches.stop()

    response = client.post("/accounts/login/", {"username": rep.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    for page in ("/", f"/leads/{lead.pk}/", "/review/", "/?label=HOT"):
        assert client.get(page).status_code == 200, page

    outage_caches.start()
    assert client.get("/").status_code == 200  # the session lives in the database: still signed in


def test_login_is_still_rate_limited_while_redis_is_down(outage_caches, rep, client):
    outage_caches.stop()
    for _ in range(10):
        client.post("/accounts/login/", {"username": rep.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": rep.username, "password": "correct-horse-battery"})
    assert response.status_code == 429


def test_sessions_do_not_depend_on_the_cache():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
