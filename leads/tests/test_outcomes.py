import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import LeadFactory
from leads.models import ActivityLog, Feedback, Lead
from leads.outcomes import record_outcome
from outreach import sequences
from outreach.models import EmailDraft, Enrollment


@pytest.fixture
def lead_in_sequence(db) -> Lead:
    lead = LeadFactory(status=Lead.Status.CONTACTED)
    sequences.enroll(lead, timezone.now())
    return lead


def test_a_booked_demo_records_feedback_books_the_meeting_and_stops_the_sequence(lead_in_sequence, rep):
    feedback = record_outcome(lead_in_sequence, Feedback.Outcome.BOOKED_DEMO, "Demo on Thursday", rep)
    assert (feedback.created_by, feedback.notes) == (rep, "Demo on Thursday")
    lead_in_sequence.refresh_from_db()
    assert lead_in_sequence.status == Lead.Status.MEETING_BOOKED
    enrollment = Enrollment.objects.get(lead=lead_in_sequence)
    assert (enrollment.status, enrollment.stop_reason) == (Enrollment.Status.STOPPED, "booked demo")
    logged = lead_in_sequence.activities.get(type=ActivityLog.Type.FEEDBACK)
    assert (logged.actor, logged.payload["outcome"]) == (rep, "booked_demo")


def test_closing_won_cancels_unsent_drafts(lead_in_sequence, rep):
    draft = EmailDraft.objects.create(lead=lead_in_sequence, subject="Hi", body="x" * 60)
    record_outcome(lead_in_sequence, Feedback.Outcome.CLOSED_WON, "", rep)
    draft.refresh_from_db()
    lead_in_sequence.refresh_from_db()
    assert (lead_in_sequence.status, draft.state) == (Lead.Status.CLOSED_WON, EmailDraft.State.CANCELLED)


def test_no_response_keeps_the_status_and_the_sequence(lead_in_sequence, rep):
    record_outcome(lead_in_sequence, Feedback.Outcome.NO_RESPONSE, "", rep)
    lead_in_sequence.refresh_from_db()
    assert lead_in_sequence.status == Lead.Status.CONTACTED
    assert Enrollment.objects.get(lead=lead_in_sequence).status == Enrollment.Status.ACTIVE


def test_an_unknown_outcome_is_refused_naming_it(lead_in_sequence, rep):
    with pytest.raises(ValidationError, match="'maybe' is not one of"):
        record_outcome(lead_in_sequence, "maybe", "", rep)
    assert not Feedback.objects.exists()


def test_recording_an_outcome_queues_retraining_after_commit(lead_in_sequence, rep, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    from scoring import tasks

    calls: list[bool] = []
    monkeypatch.setattr(tasks.retrain_scoring, "delay", lambda: calls.append(True))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_outcome(lead_in_sequence, Feedback.Outcome.CLOSED_LOST, "Chose a competitor", rep)
    assert calls == []
    for callback in callbacks:
        callback()
    assert calls == [True]


def test_retraining_waits_for_enough_new_outcomes(lead_in_sequence, rep, settings, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    from scoring.learning import training

    trained: list[bool] = []

    def fake_train(**_: object) -> None:
        trained.append(True)
        raise training.TrainingError("only two outcomes")

    monkeypatch.setattr(training, "train", fake_train)
    settings.LEARNING_RETRAIN_EVERY = 2
    with django_capture_on_commit_callbacks(execute=True):
        record_outcome(lead_in_sequence, Feedback.Outcome.CLOSED_WON, "Signed", rep)
    assert trained == []  # one new outcome of the two it waits for
    with django_capture_on_commit_callbacks(execute=True):
        record_outcome(lead_in_sequence, Feedback.Outcome.BOOKED_DEMO, "Follow-on demo", rep)
    assert trained == [True]