"""Routing: which action a scored lead gets, and whether a manager must approve it.

In order: a hard stop (opted out, suppressed, disposable, test or gibberish, competitor, student,
job seeker) disqualifies; missing key information asks a question (or holds a lead with no
address); a rule score below the low-fit threshold disqualifies; HOT and WARM get a first-touch
email; anything else is held for nurture. A disqualification waits for a manager's confirmation
(scoring.pipeline.save keeps the status until then), unless the lead opted out. The LLM's adjustment
never reaches these rules: low fit is judged on the rule score and the hard stops ignore the score
entirely.
"""

from leads.enterprise import enterprise_reason
from leads.models import Lead
from outreach import gates
from scoring.pipeline.state import Decision, QualificationState
from scoring.rules import Rules

Action, Status = Lead.Action, Lead.Status

_QUESTIONS = {
    "company": "- Which company are you with, and roughly how many people work there?",
    "role": "- What is your role, and who else would be involved in choosing a tool?",
    "need": "- What would you like to solve, and by when?",
    "budget": "- Do you have a budget range in mind for this?",
}
# Smallest headcount in each size band, for the enterprise gate.
def hard_stop(state: QualificationState) -> tuple[str, bool] | None:
    """(reason, opted out) when the lead must never be emailed, whatever its score."""
    enrichment, lead = state.enrichment, state.lead
    assert enrichment is not None
    signals = enrichment.signals
    stops = [
        (signals.opted_out, "Asked not to be contacted", True),
        (state.suppressed, "Address is on the do-not-contact list", False),
        (enrichment.disposable, f"Disposable email address ({enrichment.domain})", False),
        (signals.test_submission or signals.gibberish, "Test or gibberish submission", False),
        (signals.competitor, f"Works at a competitor ({enrichment.company_domain})", False),
        (signals.student, "Student, not a buyer", False),
        (signals.job_seeker, "Looking for a job, not buying", False),
    ]
    for present, reason, opted_out in stops:
        if present:
            return reason, opted_out
    if not lead.email and not lead.phone and not lead.company_name:
        return "No way to reach the lead: no email, phone or company", False
    return None


def missing_information(state: QualificationState) -> list[str]:
    lead, enrichment = state.lead, state.enrichment
    assert enrichment is not None
    missing = []
    if not lead.company_name.strip() and not enrichment.company_domain:
        missing.append("company")
    if not lead.job_title.strip():
        missing.append("role")
    if not lead.pain_point.strip() and len(lead.lead_message.split()) < 3:
        missing.append("need")
    return missing


def enterprise_gate(state: QualificationState, min_size: int, min_budget: int) -> str:
    lead = state.lead
    band = state.enrichment.size_band if state.enrichment else lead.company_size
    return enterprise_reason(band, lead.budget_amount, min_size=min_size, min_budget=min_budget)


def _disqualified(reason: str, opt_out: bool = False) -> Decision:
    """A disqualification, which waits for a manager (closing a lead is not the machine's call alone).

    Not when the lead asked not to be contacted: that is the lead's call, and it holds at once.
    """
    if opt_out:
        return Decision(action=Action.DISQUALIFY, status=Status.DISQUALIFIED, reason=reason, opt_out=True)
    return Decision(action=Action.DISQUALIFY, status=Status.DISQUALIFIED, reason=reason,
                    needs_approval=True, approval_reason=f"{gates.DISQUALIFICATION_PREFIX}{reason}")


def _routed(action: str, status: str, reason: str, gate: str, questions: list[str] | None = None) -> Decision:
    return Decision(action=action, status=status, reason=reason, questions=questions or [],
                    needs_approval=bool(gate), approval_reason=gate)


def decide(state: QualificationState, rules: Rules, *, min_size: int, min_budget: int) -> Decision:
    score, lead = state.score, state.lead
    assert score is not None and state.enrichment is not None
    stop = hard_stop(state)
    if stop:
        return _disqualified(*stop)
    gate = enterprise_gate(state, min_size, min_budget)
    if not lead.email:
        reason = f"No email address: {score.label} lead to call or find an address for"
        return _routed(Action.HOLD, Status.NEEDS_INFO, reason, gate)
    missing = missing_information(state)
    if missing:
        questions = [_QUESTIONS[item] for item in missing]
        if state.enrichment.signals.ambiguous_budget:
            questions.append(_QUESTIONS["budget"])
        reason = f"Missing key information: {', '.join(missing)}"
        return _routed(Action.ASK_QUESTION, Status.NEEDS_INFO, reason, gate, questions)
    if score.rule_value < rules.thresholds["disqualify"]:
        floor = rules.thresholds["disqualify"]
        return _disqualified(f"Low fit: rule score {score.rule_value} is below {floor}")
    if score.label in ("HOT", "WARM"):
        reason = f"{score.label} at {score.value}/100: first-touch email"
        return _routed(Action.SEND_EMAIL, Status.QUALIFIED, reason, gate)
    return _routed(Action.HOLD, Status.QUALIFIED, f"COLD at {score.value}/100: hold for nurture", gate)
