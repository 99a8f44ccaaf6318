"""outreach.stopping: ending a lead's sequence and cancelling what was not sent yet."""

from leads.models import ActivityLog
from outreach import sequences, stopping
from outreach.models import EmailDraft, Enrollment, Suppression

State = EmailDraft.State


def _enrolled_with_a_follow_up(draft_factory):  # type: ignore[no-untyped-def]
    first_touch = draft_factory(state=State.SENT)
    enrollment = sequences.enroll(first_touch.lead, first_touch.created_at)
    follow_up = draft_factory(lead=first_touch.lead, variant=EmailDraft.Variant.FOLLOW_UP_1, enrollment=enrollment)
    question = draft_factory(lead=first_touch.lead, variant=EmailDraft.Variant.CLARIFYING_QUESTION)
    return first_touch.lead, follow_up, question


def test_a_reply_cancels_only_the_pending_follow_ups(draft_factory):
    lead, follow_up, question = _enrolled_with_a_follow_up(draft_factory)
    assert stopping.stop(lead, "replied (interested)") is True
    follow_up.refresh_from_db()
    question.refresh_from_db()
    assert (follow_up.state, question.state) == (State.CANCELLED, State.DRAFT)
    assert follow_up.rejection_reason == "Sequence stopped: replied (interested)"
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.status, enrollment.stop_reason, enrollment.next_due_at) == (
        Enrollment.Status.STOPPED, "replied (interested)", None)
    stopped = lead.activities.get(type=ActivityLog.Type.SEQUENCE, payload__event="stopped")
    assert stopped.payload["cancelled_drafts"] == [str(follow_up.pk)]


def test_cancel_all_also_cancels_questions_and_a_second_stop_changes_nothing(draft_factory, rep):
    lead, _follow_up, _question = _enrolled_with_a_follow_up(draft_factory)
    assert stopping.stop(lead, "closed won", actor=rep, cancel="all") is True
    assert stopping.stop(lead, "closed won", actor=rep, cancel="all") is False
    assert set(lead.drafts.exclude(state=State.SENT).values_list("state", flat=True)) == {State.CANCELLED}
    assert lead.activities.filter(type=ActivityLog.Type.SEQUENCE, payload__event="stopped").count() == 1


def test_a_domain_row_stops_every_lead_at_that_domain_with_the_reason_on_each_timeline(draft_factory, lead_factory):
    first = draft_factory(lead=lead_factory(email="ann@globex.io"))
    second = draft_factory(lead=lead_factory(email="bob@globex.io"))
    elsewhere = draft_factory(lead=lead_factory(email="cy@initech.com"))
    row = Suppression.objects.create(domain="globex.io", reason=Suppression.Reason.BOUNCED, source="test")
    stopping.stop_contacting(row)
    states = {draft.lead.email: EmailDraft.objects.get(pk=draft.pk).state for draft in (first, second, elsewhere)}
    assert states == {"ann@globex.io": State.CANCELLED, "bob@globex.io": State.CANCELLED,
                      "cy@initech.com": State.DRAFT}
    logged = first.lead.activities.get(type=ActivityLog.Type.BOUNCED)
    assert logged.payload == {"suppressed": "@globex.io", "reason": "bounced", "source": "test"}
