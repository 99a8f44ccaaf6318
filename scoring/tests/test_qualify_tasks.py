"""Celery glue: batches queued after commit, retries only for transient errors, a real worker on Redis."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.db import OperationalError

from conftest import LeadFactory, wait_for
from leads.models import ActivityLog, Lead
from leads.signals import leads_scored
from scoring import tasks
from scoring.models import Trace
from scoring.pipeline import runner
from scoring.signals import leads_qualified
from scoring.tests.test_pipeline import HOT_LEAD


def make_leads(count: int) -> list[Lead]:
    return [
        LeadFactory(**{**HOT_LEAD, "email": f"buyer{number}@northwind-logistics.com"})
        for number in range(count)
    ]


@pytest.mark.django_db
def test_ids_are_sent_in_batches_only_once_the_transaction_commits(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.QUALIFY_BATCH_SIZE = 2
    leads = make_leads(5)
    sent: list[list[str]] = []
    monkeypatch.setattr(
        tasks.qualify_batch, "delay", lambda ids, job_id=None: sent.append(ids) or tasks.qualify_batch(ids)
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.enqueue_qualification([lead.pk for lead in leads] + [leads[0].pk])
        assert sent == []

    # One a batch, each queued only once the transaction commits (each batch also announces its saved and its
    # qualified leads).
    announcements = (leads_qualified.send, leads_scored.send)
    queued = [callback for callback in callbacks if getattr(callback, "func", None) not in announcements]
    assert len(queued) == 3
    assert [len(batch) for batch in sent] == [2, 2, 1]
    assert Lead.objects.filter(status=Lead.Status.QUALIFIED).count() == 5


@pytest.mark.django_db
def test_a_transient_database_error_schedules_a_retry(monkeypatch):
    lead = make_leads(1)[0]

    def database_gone(lead_ids):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(runner, "qualify", database_gone)
    with pytest.raises(Retry, match="server closed the connection"):
        tasks.qualify_lead.apply(args=[str(lead.pk)])


@pytest.mark.django_db
def test_an_error_that_another_try_would_not_fix_is_not_retried(monkeypatch):
    lead = make_leads(1)[0]

    def bug(lead_ids):
        raise KeyError("weights")

    monkeypatch.setattr(runner, "qualify", bug)
    with pytest.raises(KeyError):
        tasks.qualify_lead.apply(args=[str(lead.pk)])


@pytest.mark.django_db
def test_a_permanent_failure_is_not_retried_and_is_recorded_on_the_timeline(monkeypatch):
    lead = make_leads(1)[0]
    monkeypatch.setattr("scoring.rules.score", lambda *args: 1 / 0)

    tasks.qualify_lead.apply(args=[str(lead.pk)]).get()

    assert lead.activities.filter(type=ActivityLog.Type.ERROR).count() == 1
    assert list(lead.traces.values_list("status", flat=True)) == [Trace.Status.FAILED]


def test_the_tasks_acknowledge_late_and_cap_their_retries():
    for task in (tasks.qualify_lead, tasks.qualify_batch):
        assert task.acks_late is True
        assert task.max_retries == 5
        assert OperationalError in task.autoretry_for


def test_the_tasks_keep_the_names_the_beat_schedule_and_queued_messages_use(settings):
    names = {task.name for task in (tasks.qualify_batch, tasks.qualify_lead, tasks.requalify_stranded,
                                    tasks.requalify_fallen_back, tasks.rescore_open_leads, tasks.retrain_scoring)}
    assert names == {f"scoring.tasks.{name}" for name in (
        "qualify_batch", "qualify_lead", "requalify_stranded", "requalify_fallen_back", "rescore_open_leads",
        "retrain_scoring")}
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if entry["task"].startswith("scoring.")} <= names


def test_queueing_qualification_or_retraining_loads_no_numpy():
    """Every process that may queue these tasks imports them (the CSV import's too, with its memory budget);
    numpy (~15 MB) is loaded only where a learned version scores or trains."""
    script = ("import sys, django; django.setup(); import scoring.tasks, scoring.versions, scoring.pipeline.runner; "
              "sys.exit('numpy' in sys.modules)")
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "leadops.settings"}
    completed = subprocess.run([sys.executable, "-c", script], env=environment, check=False,
                               cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr or "numpy is loaded with the scoring tasks"


@pytest.mark.worker
def test_qualify_lead_runs_through_a_real_worker_on_redis(celery_worker):
    lead = make_leads(1)[0]

    tasks.qualify_lead.delay(str(lead.pk))

    assert wait_for(lambda: Lead.objects.get(pk=lead.pk).status != Lead.Status.NEW, timeout=30)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.QUALIFIED and lead.score_label == "HOT"
    assert lead.drafts.count() == 1 and lead.traces.count() == 1
