"""The approval gate across every re-qualification (a rep's edit, a re-import, a new version): runs only
raise it; and a disqualification qualification recommends waits for a manager."""

import pytest
from django.core.exceptions import PermissionDenied

from conftest import CompanyFactory, LeadFactory
from leads import intake
from leads.intake import Intake, OnDuplicate
from leads.models import ApiToken, Lead
from outreach import approval
from outreach.models import EmailDraft
from scoring import versions
from scoring.models import ScoringConfig
from scoring.pipeline import runner

pytestmark = pytest.mark.django_db

BUDGET_GATE = "Enterprise lead: budget $80,000 (gate at $50,000)"
ENTERPRISE = {
    "first_name": "Dana", "last_name": "Reyes", "email": "dana.reyes@northwind-logistics.com",
    "company_name": "Northwind Logistics", "job_title": "VP of Sales", "industry": "Logistics",
    "company_size": Lead.SizeBand.MID, "country": "US", "urgency": "high", "budget_range": "$80,000",
    "budget_amount": 80_000, "pain_point": "Inbound leads wait days for a first reply",
    "lead_message": "We need pricing and a demo this quarter.", "phone": "+1 415 555 0199",
}
LOW_FIT = {
    "email": "someone@gmail.com", "job_title": "Assistant", "company_size": Lead.SizeBand.MICRO,
    "industry": "Hospitality", "country": "BR", "urgency": "", "budget_amount": None, "budget_range": "",
    "lead_message": "Just browsing the site.", "company_name": "Cafe Uno", "pain_point": "",
}


@pytest.fixture(autouse=True)
def _gate_at_50k(settings):
    settings.ENTERPRISE_MIN_BUDGET = 50_000


def _qualified(**fields) -> Lead:
    lead = LeadFactory(**{**ENTERPRISE, **fields})
    runner.qualify([lead.pk])
    lead.refresh_from_db()
    return lead


def _edit(lead: Lead, user, capture, **changes) -> Lead:
    """The lead page's "Edit details": every editable field as shown, `changes` typed over them."""
    with capture(execute=True):  # the re-qualification runs once the edit commits
        intake.edit(lead, {**{name: getattr(lead, name) for name in Lead.EDITABLE_FIELDS}, **changes}, actor=user)
    lead.refresh_from_db()
    return lead


def _activate_a_new_version(capture) -> ScoringConfig:
    active = ScoringConfig.objects.get(is_active=True)
    newer = ScoringConfig.objects.create(
        version=ScoringConfig.next_version(), source=ScoringConfig.Source.MANUAL, weights=active.weights,
        thresholds=active.thresholds, profile=active.profile,
    )
    with capture(execute=True):  # the open leads are scored again once the activation commits
        versions.activate(newer)
    return newer


def _open_draft(lead: Lead) -> EmailDraft:
    return EmailDraft.objects.select_related("lead").get(lead=lead, state=EmailDraft.State.DRAFT)


@pytest.mark.parametrize("changes", [
    {"budget_range": "$45k"},
    {"budget_range": ""},
    {"budget_range": "$45k", "company_size": Lead.SizeBand.LARGE},
])
def test_a_reps_edit_below_the_gate_keeps_it_and_the_fresh_draft_waits_for_a_manager(
    changes, rep, django_capture_on_commit_callbacks
):
    lead = _qualified()
    assert (lead.needs_approval, lead.approval_reason) == (True, BUDGET_GATE)

    lead = _edit(lead, rep, django_capture_on_commit_callbacks, **changes)

    assert lead.qualified_at is not None and lead.budget_amount != 80_000  # qualified again, on the new inputs
    assert (lead.needs_approval, lead.approval_reason) == (True, BUDGET_GATE)
    draft = _open_draft(lead)
    assert draft.gated
    with pytest.raises(PermissionDenied, match="Only a manager can approve"):
        approval.approve(draft, rep)
    assert _open_draft(lead).state == EmailDraft.State.DRAFT


def test_shrinking_an_enterprise_company_keeps_its_gate(rep, django_capture_on_commit_callbacks):
    lead = _qualified(company_size=Lead.SizeBand.ENTERPRISE, budget_range="$20k", budget_amount=20_000)
    reason = "Enterprise lead: company size 1001-5000 (gate at 1,000+ employees)"
    assert lead.approval_reason == reason

    lead = _edit(lead, rep, django_capture_on_commit_callbacks, company_size=Lead.SizeBand.LARGE)

    assert (lead.company_size, lead.needs_approval, lead.approval_reason) == (Lead.SizeBand.LARGE, True, reason)
    assert _open_draft(lead).gated


def test_a_re_import_that_overwrites_the_budget_keeps_the_gate(django_capture_on_commit_callbacks):
    lead = _qualified()

    with django_capture_on_commit_callbacks(execute=True):
        Intake(source="import", on_duplicate=OnDuplicate.OVERWRITE).process(
            [{"email": lead.email, "budget_range": "$5k"}])
    lead.refresh_from_db()

    assert lead.budget_amount == 5_000
    assert (lead.needs_approval, lead.approval_reason) == (True, BUDGET_GATE)
    assert _open_draft(lead).gated


def test_an_api_update_filling_in_a_small_company_size_keeps_a_gate_its_company_raised(
    client, django_capture_on_commit_callbacks
):
    CompanyFactory(domain="northwind-logistics.com", size_band=Lead.SizeBand.HUGE)
    lead = _qualified(company_size="", budget_range="$20k", budget_amount=20_000)
    reason = "Enterprise lead: company size 5001+ (gate at 1,000+ employees)"
    assert lead.approval_reason == reason
    _, token = ApiToken.issue("Website contact form", source=Lead.Source.WEB_FORM)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/leads", {"email": lead.email, "company_size": "1-10"},
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.company_size, lead.needs_approval, lead.approval_reason) == (Lead.SizeBand.MICRO, True, reason)
    assert _open_draft(lead).gated


def test_a_new_version_scoring_again_with_a_higher_threshold_keeps_the_gate(
    settings, django_capture_on_commit_callbacks
):
    lead = _qualified()
    settings.ENTERPRISE_MIN_BUDGET = 100_000

    newer = _activate_a_new_version(django_capture_on_commit_callbacks)

    lead.refresh_from_db()

    assert lead.score_version == newer.version
    assert (lead.needs_approval, lead.approval_reason) == (True, BUDGET_GATE)


def test_a_gate_a_manager_cleared_stays_cleared_for_its_reason_and_a_new_reason_raises_it(
    rep, manager, django_capture_on_commit_callbacks
):
    lead = _qualified()
    lead.clear_approval_gate(manager)
    lead = _edit(lead, rep, django_capture_on_commit_callbacks, urgency="medium")  # qualified again, same reason

    assert lead.needs_approval is False
    assert not _open_draft(lead).gated

    lead = _edit(lead, rep, django_capture_on_commit_callbacks, company_size=Lead.SizeBand.HUGE)

    assert lead.needs_approval is True
    assert lead.approval_reason == "Enterprise lead: company size 5001+ (gate at 1,000+ employees)"


def test_a_gate_raised_after_a_rep_edited_the_draft_holds_that_draft(rep, django_capture_on_commit_callbacks):
    lead = _qualified(budget_range="$20k", budget_amount=20_000)
    draft = _open_draft(lead)
    assert not draft.gated
    approval.save_edit(draft, rep, "A subject of my own", draft.body)

    lead = _edit(lead, rep, django_capture_on_commit_callbacks, budget_range="$80,000")

    kept = _open_draft(lead)
    assert kept.pk == draft.pk and kept.subject == "A subject of my own"  # a person's words are kept
    assert lead.needs_approval and kept.gated
    with pytest.raises(PermissionDenied):
        approval.approve(kept, rep)


# --- disqualifications wait for a manager ------------------------------------------------------------------
def test_a_disqualification_qualification_recommends_waits_for_a_manager(manager):
    lead = _qualified(**LOW_FIT)

    assert lead.recommended_action == Lead.Action.DISQUALIFY and lead.needs_approval
    assert lead.status == Lead.Status.NEW  # not closed before a manager has seen it
    assert lead.disqualification_reason == lead.decision_reason and lead.disqualification_requested_by is None
    assert list(approval.waiting_disqualifications()) == [lead]

    approval.confirm_disqualification(lead, manager)

    lead.refresh_from_db()
    assert lead.status == Lead.Status.DISQUALIFIED and lead.needs_approval is False
    assert lead.disqualification_reason == "" and not approval.waiting_disqualifications().exists()


def test_a_lead_a_manager_kept_is_not_put_back_on_the_list_by_the_next_run(manager, django_capture_on_commit_callbacks):
    lead = _qualified(**LOW_FIT)
    approval.keep_lead(lead, manager)
    assert (lead.status, lead.needs_approval, lead.disqualification_reason) == (Lead.Status.QUALIFIED, False, "")

    newer = _activate_a_new_version(django_capture_on_commit_callbacks)
    lead.refresh_from_db()

    assert lead.score_version == newer.version and lead.recommended_action == Lead.Action.DISQUALIFY
    assert (lead.status, lead.needs_approval, lead.disqualification_reason) == (Lead.Status.QUALIFIED, False, "")


def test_a_disqualification_no_longer_recommended_leaves_the_list_but_not_the_gate(
    rep, django_capture_on_commit_callbacks
):
    lead = _qualified(**LOW_FIT)

    lead = _edit(lead, rep, django_capture_on_commit_callbacks, **{
        name: value for name, value in ENTERPRISE.items() if name in Lead.EDITABLE_FIELDS})

    assert lead.recommended_action == Lead.Action.SEND_EMAIL and lead.status == Lead.Status.QUALIFIED
    assert not approval.waiting_disqualifications().exists()
    assert lead.needs_approval and lead.approval_reason.startswith("Disqualification to confirm: Low fit")
    assert _open_draft(lead).gated


def test_a_lead_asking_not_to_be_contacted_is_disqualified_at_once_with_nothing_to_confirm():
    lead = _qualified(budget_range="$20k", budget_amount=20_000,
                      lead_message="Please remove me from your list. Do not contact me again.")

    assert (lead.status, lead.needs_approval, lead.disqualification_reason) == (Lead.Status.DISQUALIFIED, False, "")
