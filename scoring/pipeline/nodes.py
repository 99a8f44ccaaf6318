"""The pipeline's nodes: normalize_input -> enrich_lead -> score_lead -> decide_next_action -> draft_email.

Each node takes the state and the run's context, fills in its part of the state and returns a
one-line summary for the trace. Nodes never touch the database (the runner loads everything
they need beforehand and the save step writes afterwards), so a batch can run them in threads
while they wait on an LLM or a website.
"""

import copy
from dataclasses import dataclass, field
from typing import Any

from leadops import llm, prompts, untrusted
from leads.models import Lead
from outreach import drafting, llm_drafting
from outreach.wording import text_problems
from scoring import enrichment as enrichment_module
from scoring import rules
from scoring.pipeline import redaction, routing
from scoring.pipeline.state import (
    CompanyMemory,
    Draft,
    Enrichment,
    Factor,
    LeadSnapshot,
    QualificationState,
    Score,
)

RULES_ONLY_INJECTION = "Rules only: the lead's text reads like instructions to the AI, so the AI was not asked."
MODEL_FACTORS = 4
# Longer text is kept on the lead but not read further by the rules (the 5,000-character message).
MAX_TEXT = 5000


@dataclass
class RunContext:
    """Everything the nodes need from outside the lead, loaded once per batch."""

    rules: rules.Rules
    config: Any = None
    llm_enabled: bool = False
    llm_model: str = ""
    web_enrichment: bool = False
    max_adjustment: int = 10
    enterprise_min_size: int = 1000
    enterprise_min_budget: int = 50_000
    memory: dict[str, CompanyMemory] = field(default_factory=dict)
    companies: dict[str, Any] = field(default_factory=dict)
    leads: dict[str, Any] = field(default_factory=dict)


class Fallback(Exception):
    """A node used its rule/template path because the LLM gave nothing usable; the run goes on."""


def normalize_input(state: QualificationState, context: RunContext) -> str:
    lead = state.lead
    for name in Lead.SINGLE_LINE_FIELDS:
        setattr(lead, name, " ".join(getattr(lead, name).split()))
    lead.email = lead.email.strip().lower()
    lead.country = lead.country.upper()
    trimmed = len(lead.lead_message) > MAX_TEXT
    lead.lead_message = lead.lead_message.strip()[:MAX_TEXT]
    lead.pain_point = lead.pain_point.strip()[:MAX_TEXT]
    return f"normalised{'; message cut to 5,000 characters' if trimmed else ''}"


def enrich_lead(state: QualificationState, context: RunContext) -> str:
    domain = enrichment_module.company_domain(state.lead.email, state.lead.website)
    known = context.companies.get(domain)
    state.enrichment = enrichment_module.enrich(
        state.lead,
        competitor_domains=context.rules.profile["competitor_domains"],
        web_enrichment=context.web_enrichment,
        company_size_band=known.size_band if known else "",
    )
    state.memory = context.memory.get(domain, CompanyMemory(domain=domain))
    found = state.enrichment
    flags = [name for name in ("free_mail", "disposable", "role_account") if getattr(found, name)]
    signals = [name for name, value in found.signals.model_dump().items() if value is True]
    return (
        f"domain {found.company_domain or '-'}, seniority {found.seniority}, function {found.function}"
        f"{', ' + ', '.join(flags + signals) if flags or signals else ''}; web {found.web_fetch}"
    )


def _learned_score(lead: Any, enrichment: Enrichment, config: Any, rule_points: int) -> Score | None:
    if config is None or not config.model:
        return None
    # Imported on first use: the learned model loads numpy (~15 MB), which stays out of the processes
    # that never score with a learned version, the CSV import's above all (its memory budget).
    from scoring.learning import lead_features, score_learned

    # The learner reads enrichment from the lead; give it this run's, on a copy (the save step stores it).
    lead = copy.copy(lead)
    lead.enrichment = enrichment.stored()
    learned = score_learned(config, lead_features(lead, (config.profile or {}).get("leaky_columns", [])))
    if not learned.enough_outcomes:
        return None
    factors = [Factor(factor=item["factor"], points=int(item["points"])) for item in learned.factors]
    return Score(
        value=learned.value,
        label=learned.label,
        probability=learned.probability,
        factors=factors,
        rationale=f"{learned.label} at {learned.value}/100 (learned model v{config.version}).",
        config_version=config.version,
        source="learned",
        # Low fit is judged on the rules' points whoever scores: a 6 % chance is not "6 points".
        rule_value=rule_points,
    )


def scored(
    lead: Any, snapshot: LeadSnapshot, enrichment: Enrichment, memory: CompanyMemory,
    rules_in_force: rules.Rules, config: Any,
) -> tuple[Score, rules.RuleScore]:
    """The score before any LLM adjustment, and the rules' own result.

    The active learned version scores once it has enough outcomes, the rules otherwise; a HOT lead
    missing what HOT requires (an email, a company, ...) is WARM. `score_file` scores rows with it too.
    """
    result = rules.score(snapshot, enrichment, memory, rules_in_force)
    score = _learned_score(lead, enrichment, config, result.value) or Score(
        value=result.value,
        label=result.label,
        factors=result.factors,
        rationale=rules.rationale(result, rules_in_force.thresholds),
        config_version=rules_in_force.version,
        rule_value=result.value,
    )
    if score.label == "HOT" and result.missing_for_hot:
        score.label = "WARM"
    return score, result


def score_lead(state: QualificationState, context: RunContext) -> str:
    assert state.enrichment is not None
    state.score, result = scored(context.leads.get(state.lead.id), state.lead, state.enrichment, state.memory,
                                 context.rules, context.config)
    summary = f"{state.score.source} {state.score.value} {state.score.label}"
    if not context.llm_enabled:
        return summary
    if state.enrichment.signals.injection:
        # A model that is not asked cannot obey: text that tries to steer it means the rules decide alone.
        state.score.rationale += f" {RULES_ONLY_INJECTION}"
        return f"{summary}; {RULES_ONLY_INJECTION}"
    settled = _settled_by_rules(state, context)
    if settled:
        return f"{summary}; the LLM was not asked: {settled}"
    return summary + "; " + _llm_adjustment(state, context, result.missing_for_hot)


def _settled_by_rules(state: QualificationState, context: RunContext) -> str:
    """Why the lead's route cannot depend on its score (a hard stop, or a low fit the rules judge), else "".

    The model's nudge could not change what happens to such a lead, so it is not worth a call's tens of seconds.
    """
    stop = routing.hard_stop(state)
    if stop:
        return stop[0]
    assert state.score is not None
    floor = context.rules.thresholds["disqualify"]
    if state.lead.email and not routing.missing_information(state) and state.score.rule_value < floor:
        return f"low fit (rule score {state.score.rule_value} is below {floor})"
    return ""


def _bounded(value: int, wanted: int, limit: int, cutoffs: dict[str, int], *, line_holds: bool = True) -> int:
    """The adjustment applied: at most `limit` points, within 0-100, and never across the email line.

    The line between COLD (held) and WARM (emailed) is the warm cut-off; the LLM may move a score up to it
    or down to it, not past it. Crossing it is a person's call: the move without the line
    (`line_holds=False`) waits for a rep or manager to approve it (scoring.email_line).
    """
    adjustment = max(-limit, min(limit, wanted))
    adjustment = max(-value, min(100 - value, adjustment))
    if not line_holds:
        return adjustment
    line = cutoffs["warm"]
    if value < line:
        adjustment = min(adjustment, line - 1 - value)
    else:
        adjustment = max(adjustment, line - value)
    return adjustment


def _llm_adjustment(state: QualificationState, context: RunContext, missing_for_hot: list[str]) -> str:
    """Move the score by at most LLM_MAX_SCORE_ADJUSTMENT; the label follows from the adjusted score."""
    score = state.score
    assert score is not None
    prompt = prompts.latest("lead_assessment")
    # The cut-offs of the scale the score is on: a learned model's probability % or the rules' points.
    cutoffs = context.config.label_cutoffs() if context.config is not None else context.rules.thresholds
    cutoffs = {"hot": cutoffs["hot"], "warm": cutoffs["warm"]}
    # The factors that weigh most are what the model can argue with; the small ones cost tokens and say little.
    factors = sorted(score.factors, key=lambda factor: -abs(factor.points))[:MODEL_FACTORS]
    rules_said = {"rule_score": score.value, "factors": [f"{factor.points:+d} {factor.factor}" for factor in factors]}
    try:
        result = llm.assess_lead(prompt, redaction.lead_view(state), rules_said)
    except llm.LLMError as error:
        _record_call(state, error.record)
        state.fell_back = state.llm_unanswered = True
        raise Fallback(f"LLM fallback to rules: {error}") from None
    _record_call(state, result.record)
    wanted, before = result.value.score - score.value, score.value
    adjustment = _bounded(before, wanted, context.max_adjustment, cutoffs)
    unlined = _bounded(before, wanted, context.max_adjustment, cutoffs, line_holds=False)
    # The model's reason reaches a rep only if it reads as a reason: no prompt wording, markers or echoed orders.
    reason = result.value.rationale.strip()
    shown = bool(reason) and not text_problems("", reason, lead=state.lead) and not untrusted.injected(reason)
    if adjustment:
        factor = f"LLM adjustment: {reason[:150]}" if shown else "LLM adjustment"
        score.factors.append(Factor(factor=factor, points=adjustment))
    score.value += adjustment
    label = rules.label_for(score.value, cutoffs)
    score.label = "WARM" if label == "HOT" and missing_for_hot else label
    model = f"LLM ({result.record.model}, {prompt.name}.{prompt.version})"
    score.rationale += f" {model}: {reason}" if shown else f" {model} adjusted the score."
    if adjustment != unlined:
        score.rationale += (f" It suggested {result.value.score}; moving a lead across the email line"
                            " is a person's call.")
        would_label = rules.label_for(before + unlined, cutoffs)
        score.llm_would = {"score": before + unlined, "rule_score": before,
                           "label": "WARM" if would_label == "HOT" and missing_for_hot else would_label,
                           "reason": reason[:150] if shown else ""}
    score.prompt_version, score.llm_model = f"{prompt.name}.{prompt.version}", result.record.model
    return f"LLM wanted {wanted:+d}, applied {adjustment:+d} (limit {context.max_adjustment})"


def _record_call(state: QualificationState, record: llm.CallRecord | None) -> None:
    if record is not None:
        state.llm_calls.append({"input": record.messages, "output": record.as_trace()})


def decide_next_action(state: QualificationState, context: RunContext) -> str:
    state.decision = routing.decide(
        state, context.rules, min_size=context.enterprise_min_size, min_budget=context.enterprise_min_budget
    )
    decision = state.decision
    score = state.score
    if score is not None and score.llm_would is not None:
        # Only where the label alone decides whether the lead is emailed: a first touch, or a hold for nurture.
        by_label = decision.action == "SEND_EMAIL" or (decision.action == "HOLD" and decision.status == "QUALIFIED")
        score.llm_would = ({**score.llm_would, "action": "HOLD" if decision.action == "SEND_EMAIL" else "SEND_EMAIL"}
                           if by_label and state.lead.email else None)
    gate = f"; needs approval ({decision.approval_reason})" if decision.needs_approval else ""
    return f"{decision.action}: {decision.reason}{gate}"


def draft_email(state: QualificationState, context: RunContext) -> str:
    decision = state.decision
    assert decision is not None
    variant = {"SEND_EMAIL": "first_touch", "ASK_QUESTION": "clarifying_question"}.get(decision.action)
    if variant is None or not state.lead.email or state.suppressed:
        return "no draft for this action"
    extra = {"questions": "\n".join(decision.questions)} if decision.questions else {}
    rendered = drafting.render_variant(state.lead, variant, **extra)
    state.draft = Draft(
        variant=variant, subject=rendered.subject, body=rendered.body, template_key=rendered.template_key,
        template_version=rendered.template_version,
    )
    template_problems = text_problems(rendered.subject, rendered.body, lead=state.lead)
    noted = f" (template text: {' '.join(template_problems)})" if template_problems else ""
    if not context.llm_enabled:
        return f"{variant} from template{noted}"
    if state.enrichment is not None and state.enrichment.signals.injection:
        return f"{variant} from template{noted}; {RULES_ONLY_INJECTION}"
    written = llm_drafting.write(state.lead, rendered, web_description=_web_description(state), memory=state.memory)
    if written.email is None:
        _record_call(state, written.record)
        state.fell_back = True
        state.llm_unanswered = state.llm_unanswered or written.unanswered
        raise Fallback(f"LLM fallback to the {variant} template: {written.reason}")
    _record_call(state, written.record)
    state.draft = Draft(
        variant=variant,
        subject=written.email.subject,
        body=written.email.body,
        template_key=written.email.template_key,
        template_version=written.email.template_version,
        generated_by="llm",
        prompt_version=written.prompt_version,
        llm_model=written.llm_model,
    )
    return f"{variant} written by {written.llm_model}"


def _web_description(state: QualificationState) -> str:
    return state.enrichment.web_description if state.enrichment else ""


NODES = (normalize_input, enrich_lead, score_lead, decide_next_action, draft_email)
