"""What outreach does when leads announces an outcome, and the pending draft it adds to a lead export."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import LeadFactory
from leads.export import LeadExport, columns
from leads.models import Feedback, Lead
from leads.outcomes import record_outcome
from outreach import sequences
from outreach.models import EmailDraft, Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_in_sequence(db) -> Lead:
    lead = LeadFactory(status=Lead.Status.CONTACTED)
    sequences.enroll(lead, timezone.now())
    return lead


def test_a_booked_demo_stops_the_sequence_naming_the_outcome(lead_in_sequence, rep):
    record_outcome(lead_in_sequence, Feedback.Outcome.BOOKED_DEMO, "Demo on Thursday", rep)
    enrollment = Enrollment.objects.get(lead=lead_in_sequence)
    assert (enrollment.status, enrollment.stop_reason) == (Enrollment.Status.STOPPED, "booked demo")


def test_closing_won_cancels_unsent_drafts(lead_in_sequence, rep):
    draft = EmailDraft.objects.create(lead=lead_in_sequence, subject="Hi", body="x" * 60)
    record_outcome(lead_in_sequence, Feedback.Outcome.CLOSED_WON, "", rep)
    draft.refresh_from_db()
    lead_in_sequence.refresh_from_db()
    assert (lead_in_sequence.status, draft.state) == (Lead.Status.CLOSED_WON, EmailDraft.State.CANCELLED)


def test_no_response_keeps_the_sequence(lead_in_sequence, rep):
    record_outcome(lead_in_sequence, Feedback.Outcome.NO_RESPONSE, "", rep)
    assert Enrollment.objects.get(lead=lead_in_sequence).status == Enrollment.Status.ACTIVE


def test_a_lead_export_ends_with_each_leads_pending_draft():
    waiting = LeadFactory()
    EmailDraft.objects.create(lead=waiting, subject="Older", body="first", state=EmailDraft.State.APPROVED,
                              variant=EmailDraft.Variant.FOLLOW_UP_1,
                              created_at=timezone.now() - timedelta(days=1))
    EmailDraft.objects.create(lead=waiting, subject="Newest", body="second")
    EmailDraft.objects.create(lead=waiting, subject="Gone", body="sent", state=EmailDraft.State.SENT)
    LeadFactory()  # no draft at all

    records = json.loads("".join(LeadExport(format="json").chunks()))

    assert columns()[-3:] == ["draft_variant", "draft_subject", "draft_body"]
    by_id = {record["id"]: record for record in records}
    pending = by_id[str(waiting.pk)]
    assert (pending["draft_subject"], pending["draft_body"]) == ("Newest", "second")
    others = [record for record in records if record["id"] != str(waiting.pk)]
    assert [(record["draft_variant"], record["draft_subject"]) for record in others] == [("", "")]
