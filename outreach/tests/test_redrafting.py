"""A rep writes a new email after a draft was rejected or cancelled (outreach.redrafting)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from leads.models import ActivityLog, Lead
from outreach import approval
from outreach.models import EmailDraft, Suppression
from outreach.redrafting import redraft, template_choices
from scoring.tests.fake_openai import Reply, task_data

State = EmailDraft.State


def test_a_rejected_first_touch_can_be_written_again_from_its_template(draft_factory, rep):
    draft = draft_factory()
    approval.reject(draft, rep, "Too pushy")
    new = redraft(draft.lead, user=rep)
    assert (new.state, new.variant, new.generated_by) == (State.DRAFT, "first_touch", "template")
    assert new.lint.get("blocking") == []
    entry = draft.lead.activities.filter(type=ActivityLog.Type.EMAIL_DRAFTED).latest("created_at")
    assert entry.actor == rep and entry.payload["draft"] == str(new.pk)


def test_a_rep_can_pick_another_template_and_the_pending_draft_of_it_is_replaced(draft_factory, rep):
    old = draft_factory(variant=EmailDraft.Variant.FOLLOW_UP_1)
    new = redraft(old.lead, user=rep, template_key="follow_up_1")
    old.refresh_from_db()
    assert old.state == State.CANCELLED and new.state == State.DRAFT
    assert old.lead.drafts.filter(state=State.DRAFT).count() == 1


def test_an_approved_email_is_never_replaced(draft_factory, rep):
    draft = draft_factory(state=State.APPROVED)
    with pytest.raises(ValidationError, match="already approved"):
        redraft(draft.lead, user=rep, template_key="first_touch")


def test_a_closed_or_suppressed_lead_gets_no_new_email(draft_factory, rep):
    draft = draft_factory(state=State.REJECTED)
    Lead.objects.filter(pk=draft.lead_id).update(status=Lead.Status.CLOSED_LOST)
    draft.lead.refresh_from_db()
    with pytest.raises(ValidationError, match="closed lost"):
        redraft(draft.lead, user=rep)
    other = draft_factory(state=State.CANCELLED)
    Suppression.objects.create(email=other.lead.email, reason="unsubscribed")
    with pytest.raises(ValidationError, match="do-not-contact"):
        redraft(other.lead, user=rep)


def test_an_unknown_template_and_an_outsider_are_refused(draft_factory, rep, outsider):
    lead = draft_factory(state=State.REJECTED).lead
    with pytest.raises(ValidationError, match="Pick one"):
        redraft(lead, user=rep, template_key="nonsense")
    with pytest.raises(PermissionDenied):
        redraft(lead, user=outsider)
    assert "first_touch" in dict(template_choices())


def test_the_llm_rewrites_it_with_the_reps_note_and_no_personal_data(draft_factory, rep, llm_on):
    lead = draft_factory(state=State.REJECTED).lead
    llm_on.then(Reply(content={"subject": "Routing at Acme", "body": "A short note about routing."}))
    new = redraft(lead, user=rep, use_llm=True, instruction="Mention the webinar")
    assert new.generated_by == "llm" and "A short note about routing." in new.body
    sent = llm_on.requests[0]["messages"][-1]["content"]
    # The rep's note is our own data (task_data), apart from the lead's quoted text.
    assert task_data(llm_on.requests[0])["rep_note"] == "Mention the webinar" and lead.email not in sent


def test_when_the_llm_fails_the_rep_is_told_to_use_a_template(draft_factory, rep, llm_on):
    lead = draft_factory(state=State.REJECTED).lead
    llm_on.then(*[Reply(status=500)] * 3)
    with pytest.raises(ValidationError, match="write from a template"):
        redraft(lead, user=rep, use_llm=True)
    assert not lead.drafts.filter(state=State.DRAFT).exists()
