"""Nurture: held and COLD leads get a slow sequence instead of being dropped; a re-score that lifts one to WARM
or HOT takes it out into the normal route, with the reason on its timeline."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import LeadFactory
from leads import intake
from leads.models import ActivityLog, Lead
from outreach import sequences
from outreach.models import EmailDraft, Enrollment, Sequence
from scoring.pipeline import runner

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))  # a Monday
COLD = {"job_title": "Analyst", "company_size": Lead.SizeBand.SMALL, "urgency": "low", "budget_amount": None,
        "budget_range": "", "lead_message": "Just browsing, downloaded the whitepaper.", "pain_point": "",
        "industry": "Logistics", "phone": "+1 415 555 0199"}
HOT = {"job_title": "VP of Sales", "company_size": Lead.SizeBand.MID, "urgency": "high",
       "budget_range": "$20k-$30k", "pain_point": "Inbound leads wait days for a first reply"}


def _qualify(lead: Lead, capture) -> Lead:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False), capture(execute=True):
        runner.qualify([lead.pk])
    lead.refresh_from_db()
    return lead


def _nurture(lead: Lead) -> Enrollment | None:
    return Enrollment.objects.filter(lead=lead, sequence__purpose=Sequence.Purpose.NURTURE).first()


def test_a_cold_lead_enters_the_nurture_sequence_and_gets_its_first_value_email_a_month_later(
        django_capture_on_commit_callbacks, settings):
    settings.SEND_WINDOW_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    lead = _qualify(LeadFactory(**COLD), django_capture_on_commit_callbacks)
    assert (lead.score_label, lead.recommended_action) == ("COLD", Lead.Action.HOLD)
    enrollment = _nurture(lead)
    assert enrollment.status == Enrollment.Status.ACTIVE
    # 20 working days, at the same time of day in New York (the lead is in the US): four weeks later.
    assert enrollment.next_due_at == datetime(2026, 3, 30, 4, 0, tzinfo=ZoneInfo("America/New_York"))
    assert lead.activities.filter(type=ActivityLog.Type.SEQUENCE, payload__event="enrolled",
                                  payload__nurture=True).exists()
    with time_machine.travel(NOW + timedelta(days=28, hours=1), tick=False):
        [draft] = sequences.draft_due_steps()
    assert (draft.variant, draft.template_key, draft.state) == ("nurture", "nurture_1", EmailDraft.State.DRAFT)
    assert "{" not in draft.body and "whitepaper" not in draft.body


def test_qualifying_a_nurtured_lead_again_does_not_enroll_it_twice(django_capture_on_commit_callbacks):
    lead = _qualify(LeadFactory(**COLD), django_capture_on_commit_callbacks)
    Lead.objects.filter(pk=lead.pk).update(qualified_fingerprint="")
    _qualify(lead, django_capture_on_commit_callbacks)
    assert Enrollment.objects.filter(lead=lead).count() == 1


def test_a_lead_held_without_an_address_is_not_nurtured(django_capture_on_commit_callbacks):
    lead = _qualify(LeadFactory(**COLD, email=""), django_capture_on_commit_callbacks)
    assert lead.recommended_action == Lead.Action.HOLD and _nurture(lead) is None


def test_an_edit_that_makes_the_lead_hot_takes_it_out_of_nurture_with_the_reason(
        django_capture_on_commit_callbacks, rep):
    lead = _qualify(LeadFactory(**COLD), django_capture_on_commit_callbacks)
    data = {name: getattr(lead, name) for name in Lead.EDITABLE_FIELDS} | HOT
    with time_machine.travel(NOW + timedelta(days=3), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        intake.edit(lead, data, actor=rep)
    lead.refresh_from_db()
    assert lead.score_label in ("WARM", "HOT")
    enrollment = _nurture(lead)
    assert enrollment.status == Enrollment.Status.STOPPED and enrollment.stop_reason.startswith(
        f"left nurture: re-scored {lead.score_label}")
    promoted = lead.activities.get(type=ActivityLog.Type.SEQUENCE, payload__event="promoted")
    assert promoted.payload["to"] == lead.score_label and promoted.payload["reason"]
    # Never emailed: the normal route is the run's first touch, which waits for a person.
    assert lead.drafts.get(state=EmailDraft.State.DRAFT).variant == "first_touch"


def test_a_promoted_lead_the_nurture_emails_reached_starts_its_follow_up_sequence_at_once(
        django_capture_on_commit_callbacks, rep):
    lead = _qualify(LeadFactory(**COLD), django_capture_on_commit_callbacks)
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CONTACTED)
    lead.refresh_from_db()
    data = {name: getattr(lead, name) for name in Lead.EDITABLE_FIELDS} | HOT
    later = NOW + timedelta(days=40)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        intake.edit(lead, data, actor=rep)
    follow_up = Enrollment.objects.get(lead=lead, status=Enrollment.Status.ACTIVE)
    assert follow_up.sequence.is_default and follow_up.next_due_at == later
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        [draft] = sequences.draft_due_steps()
    assert draft.variant == "first_touch"
