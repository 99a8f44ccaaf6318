"""What scoring does when leads announces: qualify the leads intake asked for, learn from a new outcome."""

import pytest
from django.utils import timezone

from conftest import LeadFactory
from leads.intake import ingest
from leads.models import Feedback, Lead
from leads.outcomes import record_outcome
from leads.signals import qualification_wanted
from scoring import tasks
from scoring.learning import training

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db) -> Lead:
    return LeadFactory(status=Lead.Status.CONTACTED, created_at=timezone.now())


def test_leads_intake_asks_for_are_queued_for_qualification(monkeypatch, django_capture_on_commit_callbacks):
    queued: list[list[str]] = []
    monkeypatch.setattr(tasks.qualify_batch, "delay", lambda ids, job_id=None: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        created = ingest({"email": "ana@northwind.com", "first_name": "Ana"}, source=Lead.Source.WEB_FORM)
    assert queued == [[created.lead.pk.hex]]  # intake's new ids travel as 32 hex digits


def test_an_announcement_with_several_leads_queues_them_in_batches(monkeypatch, settings,
                                                                  django_capture_on_commit_callbacks):
    settings.QUALIFY_BATCH_SIZE = 2
    queued: list[list[str]] = []
    monkeypatch.setattr(tasks.qualify_batch, "delay", lambda ids, job_id=None: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        qualification_wanted.send(sender=None, lead_ids=["a", "b", "c"])
    assert queued == [["a", "b"], ["c"]]


def test_recording_an_outcome_queues_retraining_after_commit(lead, rep, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    calls: list[bool] = []
    monkeypatch.setattr(tasks.retrain_scoring, "delay", lambda: calls.append(True))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_outcome(lead, Feedback.Outcome.CLOSED_LOST, "Chose a competitor", rep)
    assert calls == []
    for callback in callbacks:
        callback()
    assert calls == [True]


def test_retraining_waits_for_enough_new_outcomes(lead, rep, settings, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    trained: list[bool] = []

    def fake_train(**_: object) -> None:
        trained.append(True)
        raise training.TrainingError("only two outcomes")

    monkeypatch.setattr(training, "train", fake_train)
    settings.LEARNING_RETRAIN_EVERY = 2
    with django_capture_on_commit_callbacks(execute=True):
        record_outcome(lead, Feedback.Outcome.CLOSED_WON, "Signed", rep)
    assert trained == []  # one new outcome of the two it waits for
    with django_capture_on_commit_callbacks(execute=True):
        record_outcome(lead, Feedback.Outcome.BOOKED_DEMO, "Follow-on demo", rep)
    assert trained == [True]
