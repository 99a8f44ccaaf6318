"""Qualification and sending on queues of their own (CELERY_TASK_ROUTES), so a team can scale them apart."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.conf import settings

from conftest import LeadFactory, running_worker, wait_for, worker_database_url
from leadops.celery import app
from leads.models import Lead
from outreach import approval
from outreach.models import EmailDraft
from outreach.sending import send_draft
from scoring import tasks
from scoring.tests.test_pipeline import HOT_LEAD

ROOT = Path(__file__).resolve().parents[2]
# The value docs/scaling.md and .env.example give.
ROUTES = "scoring.tasks.qualify_*=qualification,outreach.tasks.send_draft=sending"
TASKS = ("scoring.tasks.qualify_lead", "scoring.tasks.qualify_batch", "outreach.tasks.send_draft",
         "outreach.tasks.send_due_drafts", "leads.tasks.run_import")


def _fresh_process(**environment: str) -> subprocess.CompletedProcess:
    """Print the queue each task goes to in a process started with this environment, as a web process is."""
    clean = {key: value for key, value in os.environ.items() if key != "CELERY_TASK_ROUTES"}
    code = ("import django; django.setup(); from leadops.celery import app\n"
            f"for name in {TASKS!r}: print(name, app.amqp.router.route({{}}, name)['queue'].name)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "leadops.settings", **environment})


def _queues_in_a_fresh_process(**environment: str) -> dict[str, str]:
    result = _fresh_process(**environment)
    assert result.returncode == 0, result.stderr
    return dict(line.split() for line in result.stdout.splitlines())


def test_without_routes_every_task_goes_to_the_one_default_queue():
    assert set(_queues_in_a_fresh_process().values()) == {"celery"}


def test_celery_task_routes_sends_qualification_and_sending_to_their_own_queues():
    assert _queues_in_a_fresh_process(CELERY_TASK_ROUTES=ROUTES) == {
        "scoring.tasks.qualify_lead": "qualification",
        "scoring.tasks.qualify_batch": "qualification",
        "outreach.tasks.send_draft": "sending",
        # Beat's scans and imports stay on the default queue, which a third worker (or either of them) consumes.
        "outreach.tasks.send_due_drafts": "celery",
        "leads.tasks.run_import": "celery",
    }


def test_routes_without_a_queue_stop_start_up_naming_the_setting():
    result = _fresh_process(CELERY_TASK_ROUTES="scoring.tasks.qualify_*")
    assert result.returncode != 0
    assert "CELERY_TASK_ROUTES='scoring.tasks.qualify_*' is invalid" in result.stderr


def _log(name: str) -> Path:
    return Path(os.environ.get("TEST_OUTPUT_DIR", "/tmp")) / name


@pytest.fixture
def queue_workers(transactional_db) -> Iterator[dict[str, Path]]:  # type: ignore[no-untyped-def]
    """Two real workers on Redis, one consuming `qualification`, the other `sending`; their logs by queue."""
    if not settings.REDIS_URL or not settings.IS_POSTGRES:
        pytest.fail("The worker tests need PostgreSQL and Redis: run them through scripts/test.")
    app.control.purge()
    environment = {
        **os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_TASK_ROUTES": ROUTES,
        "SEND_WINDOW_DAYS": "mon,tue,wed,thu,fri,sat,sun", "SEND_WINDOW_HOURS": "00:00-24:00",
    }
    logs = {queue: _log(f"{queue}-worker.log") for queue in ("qualification", "sending")}
    # This process sends as a web process started with CELERY_TASK_ROUTES does.
    previous = app.conf.task_routes, app.conf.task_always_eager
    app.conf.task_routes = dict(item.split("=") for item in ROUTES.split(","))
    app.conf.task_always_eager = False
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()
    try:
        with ExitStack() as workers:
            for queue, log in logs.items():
                log.unlink(missing_ok=True)
                workers.enter_context(running_worker(
                    environment, ["--pool=solo", "-Q", queue, "-n", f"{queue}@%h"], log.name))
            yield logs
    finally:
        app.conf.task_routes, app.conf.task_always_eager = previous
        app.amqp.flush_routes()
        app.amqp.router = app.amqp.Router()


@pytest.mark.worker
def test_two_workers_on_separate_queues_qualify_and_send_each_only_their_own_tasks(queue_workers, rep):
    lead = LeadFactory(**{**HOT_LEAD, "email": "buyer@northwind-logistics.com"})

    tasks.qualify_lead.delay(str(lead.pk))
    assert wait_for(lambda: EmailDraft.objects.filter(lead=lead).exists(), timeout=60)
    draft = EmailDraft.objects.get(lead=lead)
    approval.approve(draft, rep)
    send_draft.delay(str(draft.pk))
    assert wait_for(lambda: EmailDraft.objects.get(pk=draft.pk).state == EmailDraft.State.SENT, timeout=60)

    assert Lead.objects.get(pk=lead.pk).status != Lead.Status.NEW
    # A worker logs "Task <name>[<id>] received" for each task it takes (its banner lists every task it knows).
    qualification, sending = (queue_workers[queue].read_text() for queue in ("qualification", "sending"))
    qualify, send = "Task scoring.tasks.qualify_lead[", "Task outreach.tasks.send_draft["
    assert qualify in qualification and send not in qualification
    assert send in sending and qualify not in sending
