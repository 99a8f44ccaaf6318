"""outreach.pausing: follow-ups wait while a rep does something by hand, then go on where they were."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from leads.models import ActivityLog
from outreach import pausing, sequences, stopping
from outreach.models import EmailDraft, Enrollment


def _enrolled(draft_factory):  # type: ignore[no-untyped-def]
    """A lead in the default sequence (its follow-ups as migrated), its first touch sent now."""
    first_touch = draft_factory(state=EmailDraft.State.SENT)
    return sequences.enroll(first_touch.lead, timezone.now())


def test_a_paused_enrollment_drafts_nothing_when_due_and_drafts_its_step_once_resumed(draft_factory, rep):
    enrollment = _enrolled(draft_factory)
    lead = enrollment.lead
    assert pausing.pause([lead], "waiting for a call", rep) == 1
    assert pausing.pause([lead], "waiting for a call", rep) == 0
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.paused_reason) == (Enrollment.Status.PAUSED, "waiting for a call")
    with time_machine.travel(timezone.now() + timedelta(days=60)):
        assert sequences.draft_due_steps() == []
        assert sequences.enroll(lead, timezone.now()) is None  # still in its sequence
        assert pausing.resume(lead.__class__.objects.filter(pk=lead.pk), rep) == 1
        drafts = sequences.draft_due_steps()
    assert [draft.variant for draft in drafts] == [EmailDraft.Variant.FOLLOW_UP_1]
    enrollment.refresh_from_db()
    assert (enrollment.paused_reason, enrollment.paused_at) == ("", None)
    events = list(lead.activities.filter(type=ActivityLog.Type.SEQUENCE).values_list("payload__event", flat=True))
    assert events.count("paused") == 1 and events.count("resumed") == 1


def test_stopping_a_paused_lead_ends_its_enrollment(draft_factory):
    enrollment = _enrolled(draft_factory)
    pausing.pause([enrollment.lead], "waiting for a call")
    assert stopping.stop(enrollment.lead, "replied (interested)") is True
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.STOPPED
    assert pausing.resume([enrollment.lead]) == 0
