from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from leads.addresses import email_domain
from leads.models import ActivityLog, Lead
from outreach import approval, replies, sending, sequences, tasks
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceStep, Suppression

State = EmailDraft.State
SENT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def enrolled(draft_factory):  # type: ignore[no-untyped-def]
    """A lead whose first touch went out on SENT_AT."""
    with time_machine.travel(SENT_AT, tick=False):
        draft = draft_factory(state=State.APPROVED, approved_at=timezone.now())
        assert sending.send(draft.pk) == "sent"
    return Enrollment.objects.get(lead=draft.lead)


def _follow_ups(lead: Lead) -> list[tuple[str, str]]:
    return list(lead.drafts.exclude(variant=EmailDraft.Variant.FIRST_TOUCH)
                .order_by("created_at").values_list("variant", "state"))


def _run_beat_on(day: int) -> int:
    with time_machine.travel(SENT_AT + timedelta(days=day, hours=1), tick=False):
        return tasks.draft_due_follow_ups()


def test_the_first_follow_up_is_drafted_two_working_days_later_and_waits_for_approval(enrolled):
    assert enrolled.next_due_at == SENT_AT + timedelta(days=2)  # the tests' send window opens every day
    assert _run_beat_on(1) == 0
    assert _run_beat_on(2) == 1
    [draft] = enrolled.lead.drafts.filter(variant=EmailDraft.Variant.FOLLOW_UP_1)
    assert (draft.state, draft.enrollment, draft.sequence_step.position) == (State.DRAFT, enrolled, 2)
    assert "{" not in draft.body and draft.lint["blocking"] == []


def test_overlapping_beat_runs_draft_each_step_once(enrolled):
    stale = Enrollment.objects.select_related("lead", "sequence").get(pk=enrolled.pk)
    now = SENT_AT + timedelta(days=2, hours=1)
    # Two runs that both read the enrollment before either drafted.
    assert sequences._draft_step(stale, now) is not None
    assert sequences._draft_step(stale, now) is None
    assert _run_beat_on(2) == 0
    assert _follow_ups(enrolled.lead) == [("follow_up_1", "draft")]


def test_a_step_still_waiting_for_approval_holds_the_next_one_back(enrolled):
    _run_beat_on(2)
    assert _run_beat_on(7) == 0
    assert _follow_ups(enrolled.lead) == [("follow_up_1", "draft")]


def test_the_whole_sequence_runs_to_the_break_up_and_finishes(enrolled, rep, settings,
                                                              django_capture_on_commit_callbacks):
    # The tests' window opens every day, so the steps come closer together than two a week.
    settings.SEND_PER_CONTACT_PER_WEEK = 5
    # Each step waits its working days after the previous one was sent (2, 3, 3 and 5; sent an hour after the beat).
    for day in (2, 6, 10, 16):
        assert _run_beat_on(day - 1) == 0
        assert _run_beat_on(day) == 1
        draft = enrolled.lead.drafts.get(state=State.DRAFT)
        with time_machine.travel(SENT_AT + timedelta(days=day, hours=2), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                approval.approve(draft, rep)
    assert _follow_ups(enrolled.lead) == [("follow_up_1", "sent"), ("follow_up_2", "sent"), ("follow_up_3", "sent"),
                                          ("breakup", "sent")]
    enrolled.refresh_from_db()
    assert (enrolled.status, enrolled.next_due_at) == (Enrollment.Status.FINISHED, None)
    assert _run_beat_on(30) == 0


def test_auto_approval_sends_follow_ups_for_non_enterprise_leads(
    enrolled, settings, django_capture_on_commit_callbacks
):
    settings.AUTO_APPROVE_FOLLOW_UPS = True
    with django_capture_on_commit_callbacks(execute=True):
        _run_beat_on(2)
    assert _follow_ups(enrolled.lead) == [("follow_up_1", "sent")]
    approved = enrolled.lead.activities.filter(type=ActivityLog.Type.EMAIL_APPROVED).first()
    assert (approved.actor, approved.actor_label) == (None, "auto-approval")


def test_enterprise_follow_ups_wait_for_a_person_even_with_auto_approval(enrolled, settings):
    settings.AUTO_APPROVE_FOLLOW_UPS = True
    Lead.objects.filter(pk=enrolled.lead_id).update(company_size=Lead.SizeBand.ENTERPRISE)
    _run_beat_on(2)
    assert _follow_ups(enrolled.lead) == [("follow_up_1", "draft")]


def test_a_reply_stops_the_sequence_and_cancels_the_pending_follow_up(enrolled):
    _run_beat_on(2)
    replies.log_reply(enrolled.lead, None, "Not right now, we are busy until next quarter.")
    enrolled.refresh_from_db()
    assert (enrolled.status, enrolled.stop_reason) == (Enrollment.Status.STOPPED, "replied (not now)")
    assert _follow_ups(enrolled.lead) == [("follow_up_1", "cancelled")]
    stopped = enrolled.lead.activities.get(type=ActivityLog.Type.SEQUENCE, payload__event="stopped")
    assert stopped.payload["reason"] == "replied (not now)"
    assert _run_beat_on(7) == 0


def test_an_address_suppressed_outside_the_app_stops_the_sequence_at_the_next_step(enrolled):
    Suppression.objects.create(domain=email_domain(enrolled.lead.email), reason=Suppression.Reason.MANUAL)
    assert _run_beat_on(2) == 0
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.STOPPED and "suppressed" in enrolled.stop_reason


def _enrolled_lead(draft_factory, email: str) -> Enrollment:  # type: ignore[no-untyped-def]
    with time_machine.travel(SENT_AT, tick=False):
        draft = draft_factory(lead__email=email, state=State.APPROVED, approved_at=timezone.now())
        assert sending.send(draft.pk) == "sent"
    return Enrollment.objects.get(lead=draft.lead)


def test_a_step_without_an_email_template_does_not_stop_the_other_enrollments(draft_factory):
    broken = Sequence.objects.create(name="Has a Follow-up 3")
    SequenceStep.objects.create(sequence=broken, position=1, variant=EmailDraft.Variant.FIRST_TOUCH,
                                template_keys=["first_touch"])
    SequenceStep.objects.create(sequence=broken, position=2, variant=EmailDraft.Variant.FOLLOW_UP_3,
                                wait_business_days=2, template_keys=["a_deleted_template"])
    first, second, third = (_enrolled_lead(draft_factory, f"lead{number}@acme-industries.com") for number in range(3))
    # The broken one is due first, so it comes first in the beat's scan.
    Enrollment.objects.filter(pk=first.pk).update(sequence=broken, next_due_at=SENT_AT + timedelta(days=2))

    assert _run_beat_on(2) == 2
    assert _follow_ups(second.lead) == [("follow_up_1", "draft")] == _follow_ups(third.lead)
    assert _follow_ups(first.lead) == []
    [error] = first.lead.activities.filter(type=ActivityLog.Type.ERROR)
    assert "step 2 (Follow-up 3)" in error.payload["error"] and "Has a Follow-up 3" in error.payload["error"]
    first.refresh_from_db()
    assert (first.status, first.last_step_position) == (Enrollment.Status.ACTIVE, 1)  # drafted once it is fixed

    assert _run_beat_on(3) == 0  # tried again, but the timeline says it once
    assert first.lead.activities.filter(type=ActivityLog.Type.ERROR).count() == 1
    SequenceStep.objects.filter(sequence=broken, position=2).update(template_keys=["follow_up_2"])
    assert _run_beat_on(4) == 1
    assert _follow_ups(first.lead) == [("follow_up_3", "draft")]
