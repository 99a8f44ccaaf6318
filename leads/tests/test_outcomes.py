"""Recording an outcome: the Feedback row, the timeline, the status it implies, and what is announced."""

import pytest
from django.core.exceptions import ValidationError

from conftest import LeadFactory
from leads.models import ActivityLog, Feedback, Lead
from leads.outcomes import record_outcome
from leads.signals import leads_changed, outcome_recorded


@pytest.fixture
def lead(db) -> Lead:
    return LeadFactory(status=Lead.Status.CONTACTED)


@pytest.fixture
def announced(monkeypatch) -> list[dict]:
    """What outcome_recorded carried, heard in place of the apps above leads."""
    heard: list[dict] = []
    monkeypatch.setattr(outcome_recorded, "receivers", [])

    def hear(sender, **kwargs) -> None:
        heard.append(kwargs)

    outcome_recorded.connect(hear, weak=False)
    return heard


def test_a_booked_demo_records_feedback_logs_it_and_books_the_meeting(lead, rep, announced):
    feedback = record_outcome(lead, Feedback.Outcome.BOOKED_DEMO, "Demo on Thursday", rep)
    assert (feedback.created_by, feedback.notes) == (rep, "Demo on Thursday")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.MEETING_BOOKED
    logged = lead.activities.get(type=ActivityLog.Type.FEEDBACK)
    assert (logged.actor, logged.payload["outcome"]) == (rep, "booked_demo")
    changed = lead.activities.get(type=ActivityLog.Type.STATUS_CHANGED)
    assert changed.payload == {"from": "CONTACTED", "to": "MEETING_BOOKED", "reason": "outcome: Booked demo"}


def test_the_outcome_is_announced_with_the_status_it_implies(lead, rep, announced):
    feedback = record_outcome(lead, Feedback.Outcome.CLOSED_WON, "", rep)
    [heard] = announced
    assert (heard["feedback"], heard["lead"], heard["actor"], heard["status"]) == (
        feedback, lead, rep, Lead.Status.CLOSED_WON)


def test_a_listener_that_fails_takes_the_outcome_back_with_it(lead, rep, announced):
    def refuse(sender, **kwargs) -> None:
        raise RuntimeError("the sequence could not be stopped")

    outcome_recorded.connect(refuse, weak=False)
    with pytest.raises(RuntimeError):
        record_outcome(lead, Feedback.Outcome.CLOSED_WON, "", rep)
    lead.refresh_from_db()
    assert not Feedback.objects.exists() and lead.status == Lead.Status.CONTACTED


def test_no_response_keeps_the_status_and_is_announced_without_one(lead, rep, announced):
    record_outcome(lead, Feedback.Outcome.NO_RESPONSE, "", rep)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONTACTED
    assert [heard["status"] for heard in announced] == [""]


def test_an_unknown_outcome_is_refused_naming_it(lead, rep, announced):
    with pytest.raises(ValidationError, match="'maybe' is not one of"):
        record_outcome(lead, "maybe", "", rep)
    assert not Feedback.objects.exists() and announced == []


def test_the_lead_base_is_announced_changed_once_the_outcome_commits(lead, rep, announced,
                                                                   django_capture_on_commit_callbacks):
    heard: list[bool] = []

    def hear(sender, **kwargs) -> None:
        heard.append(True)

    leads_changed.connect(hear)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            record_outcome(lead, Feedback.Outcome.CLOSED_LOST, "Chose a competitor", rep)
        assert heard == []
        for callback in callbacks:
            callback()
        assert heard == [True]
    finally:
        leads_changed.disconnect(hear)
