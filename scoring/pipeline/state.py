"""The typed state one qualification run carries from node to node.

`LeadSnapshot` is what the run read from the lead; each node fills in its own part
(enrichment, score, decision, draft) and appends a `NodeEvent`. Nothing here touches the
database: the runner loads and saves, so the nodes stay pure and safe to run in threads.
"""

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from leads.models import Lead


class LeadSnapshot(BaseModel):
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    company_name: str = ""
    job_title: str = ""
    industry: str = ""
    company_size: str = ""
    country: str = ""
    source: str = ""
    budget_range: str = ""
    budget_amount: int | None = None
    pain_point: str = ""
    urgency: str = ""
    lead_message: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)
    status: str = "NEW"
    created_at: datetime | None = None
    # Whose mailbox signs the draft (outreach.mailboxes.signing_name); not a qualification input.
    owner_id: int | None = None

    @classmethod
    def of(cls, lead: Any) -> "LeadSnapshot":
        values = {name: getattr(lead, name) for name in Lead.QUALIFICATION_INPUT_FIELDS}
        return cls(id=str(lead.pk), status=lead.status, created_at=lead.created_at, owner_id=lead.owner_id, **values)

    def input_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in Lead.QUALIFICATION_INPUT_FIELDS}


def fingerprint(lead: LeadSnapshot, *, config_version: int | None, llm: str) -> str:
    """Hash of the lead's inputs and the scoring in force: equal hash, nothing to redo.

    Suppression is left out on purpose: the run itself suppresses a lead that opted out, and
    that must not make the next run look like a change. Sending checks suppression anyway.
    """
    payload = {"lead": lead.input_values(), "config": config_version, "llm": llm}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class Signals(BaseModel):
    """What the lead's own words and address say about it (see scoring.enrichment)."""

    opted_out: bool = False
    gibberish: bool = False
    test_submission: bool = False
    student: bool = False
    job_seeker: bool = False
    competitor: bool = False
    injection: bool = False
    formula: bool = False
    ambiguous_budget: bool = False
    low_intent: bool = False
    buying_phrases: list[str] = Field(default_factory=list)


class Enrichment(BaseModel):
    domain: str = ""
    company_domain: str = ""  # empty for free-mail and disposable addresses
    free_mail: bool = False
    disposable: bool = False
    role_account: bool = False
    seniority: str = "unknown"  # c_level | vp | director | manager | individual | unknown
    function: str = "unknown"
    size_band: str = ""
    country: str = ""
    web_title: str = ""
    web_description: str = ""
    web_fetch: str = "off"  # off | cached | fetched | failed | refused | none
    signals: Signals = Field(default_factory=Signals)

    def stored(self) -> dict[str, Any]:
        """The dict kept on Lead.enrichment."""
        return self.model_dump(exclude_defaults=False)


class CompanyMemory(BaseModel):
    """Earlier leads at the same domain and how they ended."""

    domain: str = ""
    earlier_leads: int = 0
    won: int = 0
    lost: int = 0


class Factor(BaseModel):
    factor: str
    points: int


class Provenance(BaseModel):
    """Which prompt version and model produced a result; empty when rules or templates did."""

    prompt_version: str = ""
    llm_model: str = ""


class Score(Provenance):
    value: int
    label: str
    probability: float | None = None
    factors: list[Factor]
    rationale: str
    config_version: int | None = None
    source: str = "rules"
    # The score before the LLM's bounded adjustment; routing rules use it.
    rule_value: int
    # What the LLM's score would have done past the email line (score, label, action, reason), for a person
    # to approve or decline (scoring.email_line); None when its adjustment stayed on the rules' side.
    llm_would: dict[str, Any] | None = None


class Decision(BaseModel):
    action: str
    reason: str
    status: str
    needs_approval: bool = False
    approval_reason: str = ""
    questions: list[str] = Field(default_factory=list)
    opt_out: bool = False


class Draft(Provenance):
    variant: str
    subject: str
    body: str
    template_key: str
    # The template's version it was rendered from (outreach.EmailTemplateVersion.number).
    template_version: int | None = None
    generated_by: str = "template"


class NodeEvent(BaseModel):
    node: str
    started_at: datetime
    duration_ms: float
    status: str  # ok | fallback | skipped | failed
    summary: str


class QualificationState(BaseModel):
    run_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    lead: LeadSnapshot
    fingerprint: str = ""
    suppressed: bool = False
    enrichment: Enrichment | None = None
    memory: CompanyMemory = Field(default_factory=CompanyMemory)
    score: Score | None = None
    decision: Decision | None = None
    draft: Draft | None = None
    events: list[NodeEvent] = Field(default_factory=list)
    llm_calls: list[dict[str, Any]] = Field(default_factory=list)
    fell_back: bool = False
    # The LLM gave no answer (down, breaker open, timed out, unparseable): the rules' result is kept under
    # `rules_fingerprint`, so the lead is run again, with the LLM, once it answers (scoring.requalification).
    llm_unanswered: bool = False
    rules_fingerprint: str = ""
    error: str = ""
