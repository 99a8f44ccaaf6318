"""One rule for an enterprise lead: the pipeline's gate and the follow-ups' auto-approval agree."""

from conftest import LeadFactory
from leads.enterprise import enterprise_reason
from outreach.approval import is_enterprise


def test_a_size_band_or_a_budget_at_the_gate_makes_a_lead_enterprise():
    assert enterprise_reason("1001-5000", None, min_size=1000, min_budget=50_000).startswith("Enterprise lead: company")
    assert enterprise_reason("501-1000", 80_000, min_size=1000, min_budget=50_000) == (
        "Enterprise lead: budget $80,000 (gate at $50,000)"
    )
    assert enterprise_reason("501-1000", 45_000, min_size=1000, min_budget=50_000) == ""
    assert enterprise_reason("", None, min_size=1000, min_budget=50_000) == ""


def test_follow_ups_judge_enterprise_by_the_same_configured_gates_as_the_pipeline(db, settings):
    lead = LeadFactory(company_size="501-1000", budget_amount=None, needs_approval=False)
    assert not is_enterprise(lead)
    settings.ENTERPRISE_MIN_COMPANY_SIZE = 500
    assert is_enterprise(lead)
    settings.ENTERPRISE_MIN_COMPANY_SIZE, settings.ENTERPRISE_MIN_BUDGET = 1000, 40_000
    lead.budget_amount = 45_000
    assert is_enterprise(lead)
