"""leadops.outbox on a real Redis that the tests stop and start: what the broker cannot take waits, nothing is lost."""

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from conftest import running_worker, wait_for, worker_database_url
from leadops import outbox
from leadops.cache import ResilientRedisCache
from leadops.celery import app
from leadops.models import DeferredTask
from leads.models import ApiToken, Lead

LEAD = {"email": "kim@northwindfreight.com", "first_name": "Kim", "last_name": "Ode", "company_name": "Northwind",
        "job_title": "VP Operations", "lead_message": "Could we see a demo this quarter? Routing is slow."}


def _drop_broker_connections() -> None:
    # The app keeps its connection and producer pools for the broker URL it first used; kombu keeps every
    # pool by URL, so the suite's own is found again (open) once the URL is put back.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(stoppable_redis, settings, monkeypatch) -> Iterator:  # type: ignore[no-untyped-def]
    """Cache and broker on the test's own Redis, tasks sent to it rather than run inline."""
    settings.CACHES = stoppable_redis.caches()
    settings.REDIS_URL = stoppable_redis.url
    monkeypatch.setattr(ResilientRedisCache, "RETRY_SECONDS", 0.0)
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = stoppable_redis.url, False
    _drop_broker_connections()
    try:
        yield stoppable_redis
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        _drop_broker_connections()


@pytest.fixture
def worker(broker, transactional_db) -> Iterator[subprocess.Popen]:  # type: ignore[no-untyped-def]
    """A real Celery worker on that Redis and the test database."""
    environment = {
        **os.environ, "REDIS_URL": broker.url, "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": worker_database_url(),
    }
    with running_worker(environment, ["--pool=solo"], "outbox-worker.log") as process:
        yield process


def _post_lead(token: str) -> object:
    return Client().post("/api/leads", LEAD, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_lead_taken_in_while_the_broker_is_down_is_stored_and_qualified_once_it_is_back(broker, worker):
    _, token = ApiToken.issue("Web form")
    broker.stop()

    response = _post_lead(token)

    assert response.status_code == 201
    lead = Lead.objects.get(email=LEAD["email"])
    assert lead.status == Lead.Status.NEW
    waiting = DeferredTask.objects.get()
    assert waiting.name == "scoring.tasks.qualify_batch" and [uuid.UUID(each) for each in waiting.args[0]] == [lead.pk]
    assert outbox.send_deferred() == 0  # still away: the task keeps waiting

    broker.start()
    assert outbox.send_deferred() == 1  # what beat does every few seconds
    assert not DeferredTask.objects.exists()
    assert wait_for(lambda: Lead.objects.get(pk=lead.pk).qualified_at is not None, timeout=60)
    assert Lead.objects.get(pk=lead.pk).status != Lead.Status.NEW


def test_a_task_queued_while_the_broker_answers_goes_straight_to_it(broker, db):
    from scoring.tasks import qualify_batch

    result = qualify_batch.delay(["00000000-0000-0000-0000-000000000000"])

    assert result.id and not DeferredTask.objects.exists()


def test_beat_sends_the_waiting_tasks_every_few_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["leadops-send-deferred-tasks"]
    assert entry["task"] == "leadops.tasks.send_deferred_tasks" and entry["schedule"] <= 15


def test_ops_can_see_what_waits_for_the_broker_in_admin(admin_client):
    DeferredTask.objects.create(task_id="t-1", name="scoring.tasks.qualify_batch", args=[["a"]], error="refused")
    page = admin_client.get("/admin/leadops/deferredtask/").content.decode()
    assert "scoring.tasks.qualify_batch" in page and "refused" in page
