"""The save step, the pipeline's last: a batch of finished runs saved in a few bulk statements.

Within one transaction the batch's leads are locked, and a run is saved only if its lead still
has the inputs the run read (a lead changed meanwhile is left to the run its change queued) and
was not already saved by a concurrent run. Then, in bulk: companies by domain, lead results,
timeline entries (SCORED, STATUS_CHANGED, EMAIL_DRAFTED, UNSUBSCRIBED, ERROR), opt-out
suppressions, the new drafts (superseding pending ones) and one Trace per run. In a run's node
events the step is "log_to_crm", the name stored traces know it by.
"""

import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from leads.models import ActivityLog, Company, Lead
from leads.signals import leads_scored
from outreach import drafting, gates
from outreach.models import EmailDraft, Suppression
from scoring.models import Trace
from scoring.pipeline import writes
from scoring.pipeline.batch import PIPELINE_VARIANTS, LockedBatch, Write
from scoring.pipeline.state import Decision, NodeEvent, QualificationState
from scoring.signals import leads_qualified

NODE_NAME = "log_to_crm"
RESULT_FIELDS = [
    "company",
    "score_label",
    "score_value",
    "score_probability",
    "score_rationale",
    "score_factors",
    "score_version",
    "enrichment",
    "recommended_action",
    "decision_reason",
    "needs_approval",
    "approval_reason",
    "disqualification_reason",
    "disqualification_requested_by",
    "disqualification_requested_at",
    "status",
    "qualified_fingerprint",
    "qualified_at",
    "updated_at",
]

# What a lead may fill in on its Company row where it was blank.
COMPANY_FIELDS = ["name", "industry", "size_band", "country", "web_profile", "updated_at"]


@dataclass
class RunSummary:
    qualified: int = 0
    unchanged: int = 0
    failed: int = 0
    not_found: int = 0
    actions: Counter[str] = field(default_factory=Counter)

    def add(self, other: "RunSummary") -> None:
        self.qualified += other.qualified
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.not_found += other.not_found
        self.actions.update(other.actions)


def _companies(
    fresh: list[tuple[QualificationState, Lead]], known: dict[str, Company]
) -> tuple[dict[str, Company], list[Company]]:
    """The Company row of every domain in the batch, created when new; and those with blanks filled in.

    The filled-in ones are left for the caller to save with the batch's other writes.
    """
    found: dict[str, QualificationState] = {}
    for state, _lead in fresh:
        if state.enrichment and state.enrichment.company_domain and not state.error:
            found.setdefault(state.enrichment.company_domain, state)
    companies = {domain: known[domain] for domain in found if domain in known}
    missing = [_filled(Company(domain=domain), found[domain]) for domain in found if domain not in companies]
    if missing:
        # A concurrent batch may create the same domain: the conflict keeps its row and still returns the id.
        writes.upsert(Company, missing, unique_field="domain", update_fields=["updated_at"])
        companies.update({company.domain: company for company in missing})
    changed = []
    for domain, company in companies.items():
        before = (company.name, company.industry, company.size_band, company.country, company.web_profile)
        _filled(company, found[domain])
        if before != (
            company.name,
            company.industry,
            company.size_band,
            company.country,
            company.web_profile,
        ):
            company.updated_at = timezone.now()
            changed.append(company)
    return companies, changed


def _filled(company: Company, state: QualificationState) -> Company:
    """Fill the company's blank fields from what this lead said about it."""
    lead, enrichment = state.lead, state.enrichment
    assert enrichment is not None
    company.name = company.name or lead.company_name[:200]
    company.industry = company.industry or lead.industry[:100]
    company.size_band = company.size_band or enrichment.size_band
    company.country = company.country or enrichment.country
    if enrichment.web_fetch == "fetched":
        company.web_profile = {"title": enrichment.web_title, "description": enrichment.web_description}
    return company


def _trace(state: QualificationState, status: str) -> Trace:
    outputs = [call["output"] for call in state.llm_calls]
    return Trace(
        lead_id=state.lead.id,
        run_id=state.run_id,
        status=status,
        node_events=[event.model_dump(mode="json") for event in state.events],
        llm_inputs=[call["input"] for call in state.llm_calls],
        llm_outputs=outputs,
        llm_model=next((output["model"] for output in outputs), ""),
        prompt_version=", ".join(sorted({output["prompt_version"] for output in outputs})),
        used_llm=any(output["reply"] is not None for output in outputs),
        fell_back=state.fell_back,
        prompt_tokens=sum(output["prompt_tokens"] for output in outputs),
        completion_tokens=sum(output["completion_tokens"] for output in outputs),
        cost_usd=sum((Decimal(str(output["cost_usd"])) for output in outputs), Decimal(0)).quantize(
            Decimal("1e-6")
        ),
        duration_ms=round(sum(event.duration_ms for event in state.events), 2),
        config_version=state.score.config_version if state.score else None,
        error=state.error[:2000],
    )


def _apply(state: QualificationState, lead: Lead, companies: dict[str, Company], now: Any) -> str:
    """Copy the run's results onto the lead; returns the status it had before."""
    score, decision, enrichment = state.score, state.decision, state.enrichment
    assert score is not None and decision is not None and enrichment is not None
    previous = lead.status
    if enrichment.company_domain in companies:
        lead.company = companies[enrichment.company_domain]
    lead.score_value, lead.score_label, lead.score_probability = score.value, score.label, score.probability
    lead.score_rationale = score.rationale
    lead.score_factors = [factor.model_dump() for factor in score.factors]
    lead.score_version = score.config_version
    lead.enrichment = enrichment.stored() | {
        "company_memory": state.memory.model_dump(),
        "prompt_version": score.prompt_version,
        "llm_model": score.llm_model,
        # The LLM was wanted and did not answer: scoring.requalification finds the lead by this once it does.
        "llm_unanswered": state.llm_unanswered,
        # Past the email line only with a person's approval (scoring.email_line).
        "llm_would": score.llm_would,
    }
    lead.recommended_action, lead.decision_reason = decision.action, decision.reason
    if previous in Lead.PIPELINE_STATUSES:
        _route(lead, decision, previous, now)
    elif decision.action != Lead.Action.DISQUALIFY:
        # Past qualification a run routes nothing, but a gate it finds (an edit made the lead enterprise) holds.
        lead.needs_approval, lead.approval_reason = gates.after_run(lead, decision.needs_approval,
                                                                    decision.approval_reason)
    # A result the LLM was wanted for but did not answer is filed as the rules' own, so a run with it differs.
    done_as = state.rules_fingerprint if state.llm_unanswered and state.rules_fingerprint else state.fingerprint
    lead.qualified_fingerprint, lead.qualified_at, lead.updated_at = done_as, now, now
    return previous


def _route(lead: Lead, decision: Decision, previous: str, now: Any) -> None:
    """The run's status and gate for a lead still in qualification (outreach.gates: runs only raise gates)."""
    waits = decision.action == Lead.Action.DISQUALIFY and decision.needs_approval
    if waits and previous == Lead.Status.DISQUALIFIED:
        return  # already closed: there is nothing left for a manager to confirm
    needed, reason = gates.after_run(lead, decision.needs_approval, decision.approval_reason)
    lead.needs_approval, lead.approval_reason = needed, reason
    if not waits:
        lead.status = decision.status
        if decision.status == Lead.Status.DISQUALIFIED or lead.disqualification_requested_by_id is None:
            # Disqualified now (the lead opted out), or this run no longer recommends what an earlier one did.
            _set_waiting_disqualification(lead, "", None)
        return
    if not needed:
        return  # a manager already kept the lead against this very recommendation
    if lead.disqualification_requested_by_id is None and lead.disqualification_reason != decision.reason:
        # A rep's request that waits already is left as the rep worded it.
        _set_waiting_disqualification(lead, decision.reason, now)


def _set_waiting_disqualification(lead: Lead, reason: str, since: Any) -> None:
    lead.disqualification_reason, lead.disqualification_requested_at = reason[:300], since
    lead.disqualification_requested_by = None


class _Writes:
    """The rows one batch adds, collected lead by lead and then saved in a few statements."""

    def __init__(self, now: Any, drafting_allowed: set[Any], signed_off: set[tuple[Any, str]]) -> None:
        self.now = now
        self.drafting_allowed = drafting_allowed
        self.signed_off = signed_off
        self.activities: list[ActivityLog] = []
        self.drafts: list[EmailDraft] = []
        self.suppressions: list[Suppression] = []
        self.updated: list[Lead] = []
        self.traces: list[Trace] = []
        self.scored: list[dict[str, Any]] = []

    def note(self, lead: Lead, kind: str, payload: dict[str, Any]) -> None:
        self.activities.append(
            ActivityLog(lead_id=lead.pk, type=kind, payload=payload, actor_label="pipeline", created_at=self.now)
        )

    def failure(self, state: QualificationState, lead: Lead) -> None:
        self.note(lead, ActivityLog.Type.ERROR, {"run_id": str(state.run_id), "error": state.error[:500]})
        self.traces.append(_trace(state, Trace.Status.FAILED))

    def result(self, state: QualificationState, lead: Lead, companies: dict[str, Company]) -> None:
        started = time.perf_counter()
        label_before = lead.score_label
        previous = _apply(state, lead, companies, self.now)
        self.updated.append(lead)
        decision, score = state.decision, state.score
        assert decision is not None and score is not None
        run_id = str(state.run_id)
        self.note(lead, ActivityLog.Type.SCORED, {
            "run_id": run_id, "value": score.value, "label": score.label, "source": score.source,
            "version": score.config_version, "action": decision.action, "reason": decision.reason,
            "needs_approval": lead.needs_approval,
        })
        self.scored.append({"lead_id": lead.pk, "label_before": label_before, "label": score.label,
                            "action": decision.action, "reason": decision.reason})
        if lead.status != previous:
            self.note(lead, ActivityLog.Type.STATUS_CHANGED,
                      {"from": previous, "to": lead.status, "reason": decision.reason})
        if decision.opt_out and lead.email:
            self.suppressions.append(Suppression(
                email=lead.email.lower(), reason=Suppression.Reason.OPTED_OUT,
                source="lead message (qualification)",
            ))
            self.note(lead, ActivityLog.Type.UNSUBSCRIBED, {"source": "lead message", "run_id": run_id})
        saved_draft = self._draft(state, lead)
        state.events.append(NodeEvent(
            node=NODE_NAME, started_at=self.now, status="ok",
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            summary=f"saved: status {lead.status}, {saved_draft}",
        ))
        self.traces.append(_trace(state, Trace.Status.OK))

    def _draft(self, state: QualificationState, lead: Lead) -> str:
        draft = state.draft
        if draft is None:
            return "no draft"
        if lead.pk not in self.drafting_allowed or not lead.email or state.suppressed:
            return "no draft (lead past qualification or not to be emailed)"
        if (lead.pk, draft.variant) in self.signed_off:
            return f"no draft (a {draft.variant} draft is already approved)"
        row = drafting.new_draft(
            lead, draft.variant, drafting.RenderedEmail(draft.subject, draft.body, draft.template_key,
                                                      draft.template_version),
            generated_by=draft.generated_by, prompt_version=draft.prompt_version, llm_model=draft.llm_model,
            fingerprint=state.fingerprint,
        )
        self.drafts.append(row)
        self.note(lead, ActivityLog.Type.EMAIL_DRAFTED,
                  {"variant": draft.variant, "draft_id": str(row.id), "generated_by": draft.generated_by})
        return f"{draft.variant} draft"

    def save(self, companies_changed: list[Company]) -> None:
        writes.run_together([
            Write(Company, companies_changed, update_fields=COMPANY_FIELDS),
            Write(Lead, self.updated, update_fields=RESULT_FIELDS),
            # Another run (or an unsubscribe link) may have suppressed the address meanwhile.
            Write(Suppression, self.suppressions, ignore_conflicts=True),
            Write(EmailDraft, self.drafts),
            Write(ActivityLog, self.activities),
            Write(Trace, self.traces),
        ])
        qualified = [lead.pk for lead in self.updated if lead.status == Lead.Status.QUALIFIED]
        if qualified:
            transaction.on_commit(partial(leads_qualified.send, sender=None, lead_ids=qualified))
        if self.scored:
            transaction.on_commit(partial(leads_scored.send, sender=None, changes=self.scored))


def _supersede_pending_drafts(
    lead_ids: list[Any], open_drafts: list[tuple[Any, str, str, str]]
) -> set[tuple[Any, str]]:
    """Cancel these leads' pending pipeline drafts; returns the (lead, variant) pairs already signed off.

    `open_drafts` are the batch's open pipeline drafts as read under the leads' lock. A draft a
    person approved, or edited, counts as signed off: it is kept, and no new draft of that variant
    is written beside it.
    """
    wanted = set(lead_ids)
    open_drafts = [draft for draft in open_drafts if draft[0] in wanted]
    signed_off = {
        (lead_id, variant) for lead_id, variant, state, author in open_drafts
        if state != EmailDraft.State.DRAFT or author == EmailDraft.GeneratedBy.PERSON
    }
    pending = {lead_id for lead_id, variant, _state, _author in open_drafts if (lead_id, variant) not in signed_off}
    if pending:
        drafting.supersede_pending(list(pending), list(PIPELINE_VARIANTS), generated_by_machine_only=True)
    return signed_off


def save_batch(
    states: list[QualificationState],
    unchanged: list[QualificationState],
    locked: LockedBatch,
    companies: dict[str, Company],
    fingerprint_of: Any,
) -> RunSummary:
    """Save a batch, inside the caller's transaction, for leads the caller has locked (`locked`).

    `companies` are the batch's known companies by domain; `fingerprint_of(lead)` recomputes a
    lead's fingerprint from its locked row.
    """
    summary = RunSummary(unchanged=len(unchanged))
    now = timezone.now()
    fresh: list[tuple[QualificationState, Lead]] = []
    for state in states:
        lead = locked.leads.get(state.lead.id)
        if lead is None:
            summary.not_found += 1
        elif fingerprint_of(lead) != state.fingerprint or lead.qualified_fingerprint == state.fingerprint:
            summary.unchanged += 1  # changed again meanwhile (its own run is queued) or saved by another run
        else:
            fresh.append((state, lead))
    companies, companies_changed = _companies(fresh, companies)
    done = [lead.pk for state, lead in fresh if not state.error and lead.status in Lead.PIPELINE_STATUSES]
    writes = _Writes(now, drafting_allowed=set(done), signed_off=_supersede_pending_drafts(done, locked.open_drafts))
    for state in unchanged:
        state.events.append(NodeEvent(node="runner", started_at=now, duration_ms=0, status="skipped",
                                      summary="unchanged since the last qualification"))
        writes.traces.append(_trace(state, Trace.Status.SKIPPED))
    for state, lead in fresh:
        if state.error:
            summary.failed += 1
            writes.failure(state, lead)
        else:
            summary.qualified += 1
            summary.actions[state.decision.action if state.decision else ""] += 1
            writes.result(state, lead, companies)
    writes.save(companies_changed)
    return summary
