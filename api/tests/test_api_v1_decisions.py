"""The review decisions in the API, as on the pages: ask the lead instead, clear a gate, decide a disqualification."""

import pytest

from api.tests.test_api_v1_access import ALL, Api, _token
from leads.models import Lead
from outreach import approval
from outreach.models import EmailDraft

pytestmark = pytest.mark.django_db
State = EmailDraft.State


@pytest.fixture
def gated_draft(draft_factory, lead_factory):  # type: ignore[no-untyped-def]
    lead = lead_factory(needs_approval=True, approval_reason="Enterprise account", status=Lead.Status.QUALIFIED)
    return draft_factory(lead=lead)


def test_needs_info_turns_the_draft_into_a_clarifying_question_and_the_lead_waits(rep, draft_factory):
    draft = draft_factory()
    response = Api(_token(rep, ALL)).post(f"/drafts/{draft.pk}/needs-info", {"reason": "What is your budget?"})
    assert response.status_code == 201
    question = response.json()
    assert question["variant"] == EmailDraft.Variant.CLARIFYING_QUESTION and "What is your budget?" in question["body"]
    assert EmailDraft.objects.get(pk=draft.pk).state == State.CANCELLED
    assert Lead.objects.get(pk=draft.lead_id).status == Lead.Status.NEEDS_INFO


def test_needs_info_on_a_sent_email_is_a_conflict_and_blank_questions_are_named(rep, draft_factory):
    api = Api(_token(rep, ALL))
    sent = draft_factory(state=State.SENT)
    assert api.post(f"/drafts/{sent.pk}/needs-info", {"reason": "Budget?"}).status_code == 409
    blank = api.post(f"/drafts/{draft_factory().pk}/needs-info", {"reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.json()["errors"]


def test_only_a_manager_token_clears_a_gate_and_then_a_rep_token_may_approve(rep, manager, gated_draft):
    rep_api, manager_api = Api(_token(rep, ALL)), Api(_token(manager, ALL))
    assert rep_api.post(f"/leads/{gated_draft.lead_id}/clear-gate").status_code == 403
    assert Lead.objects.get(pk=gated_draft.lead_id).needs_approval
    cleared = manager_api.post(f"/leads/{gated_draft.lead_id}/clear-gate")
    assert cleared.status_code == 200 and cleared.json()["needs_approval"] is False
    assert manager_api.post(f"/leads/{gated_draft.lead_id}/clear-gate").status_code == 409
    assert rep_api.post(f"/drafts/{gated_draft.pk}/approve").status_code == 202


@pytest.mark.parametrize(("decision", "status"), [("confirm", Lead.Status.DISQUALIFIED),
                                                  ("keep", Lead.Status.QUALIFIED)])
def test_a_manager_token_decides_a_reps_waiting_disqualification(rep, manager, gated_draft, decision, status):
    assert approval.disqualify(gated_draft.lead, rep, "No budget") == approval.Disqualification.WAITING
    path = f"/leads/{gated_draft.lead_id}/disqualification/{decision}"
    assert Api(_token(rep, ALL)).post(path).status_code == 403
    decided = Api(_token(manager, ALL)).post(path)
    assert decided.status_code == 200 and decided.json()["status"] == status
    assert Lead.objects.get(pk=gated_draft.lead_id).disqualification_reason == ""
    assert Api(_token(manager, ALL)).post(path).status_code == 409  # nothing waits any more


def test_a_read_only_token_cannot_decide_anything(manager, gated_draft):
    api = Api(_token(manager, ["read"]))
    for path in (f"/drafts/{gated_draft.pk}/needs-info", f"/leads/{gated_draft.lead_id}/clear-gate",
                 f"/leads/{gated_draft.lead_id}/disqualification/keep"):
        assert api.post(path, {"reason": "Budget?"}).status_code == 403
