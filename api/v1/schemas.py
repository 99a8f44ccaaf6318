"""What the API's endpoints take and answer: pydantic models, so the schema is generated from them."""

import datetime
import uuid
from typing import Any, Literal

from ninja import Field, Schema


class LeadQuery(Schema):
    """The dashboard's filters (`leads.filters.LeadFilters`), with the same names and values."""

    q: str = Field("", description="Search: a name, email or company prefix")
    status: str = Field("", description="NEW, QUALIFIED, NEEDS_INFO, DISQUALIFIED, CONTACTED, ...")
    label: str = Field("", description="HOT, WARM or COLD")
    source: str = ""
    owner: str = Field("", description="'me', 'none' or a user id")
    created_from: str = Field("", description="A date like 2026-01-31")
    created_to: str = ""
    sort: str = Field("newest", description="newest, oldest, score or score_low")
    after: str = Field("", description="The `next` cursor of the previous page")


class LeadSummary(Schema):
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    company_name: str
    status: str
    score_label: str
    score_value: int | None
    recommended_action: str
    needs_approval: bool
    approval_reason: str
    source: str
    created_at: datetime.datetime


class LeadPage(Schema):
    leads: list[LeadSummary]
    next: str = Field(description="Pass as `after` for the next page; empty on the last page")


class Factor(Schema):
    factor: str
    points: float


class CompanyOut(Schema):
    domain: str
    name: str
    website: str
    industry: str
    size_band: str
    country: str
    web_profile: dict[str, Any]
    lead_count: int
    leads: list[LeadSummary]


class LeadDetail(LeadSummary):
    external_id: str
    phone: str
    website: str
    job_title: str
    industry: str
    company_size: str
    country: str
    budget_range: str
    budget_amount: int | None
    pain_point: str
    urgency: str
    lead_message: str
    attributes: dict[str, Any]
    owner: str
    score_rationale: str
    score_factors: list[Factor]
    score_version: int | None
    enrichment: dict[str, Any]
    decision_reason: str
    approved_at: datetime.datetime | None
    company_domain: str
    updated_at: datetime.datetime


class Created(Schema):
    id: uuid.UUID
    created: bool


class StatusIn(Schema):
    status: str
    reason: str = Field(min_length=1, max_length=300)


class SuggestionDecisionIn(Schema):
    """A person's answer to the LLM's suggestion to move the lead across the email line."""

    decision: Literal["approve", "decline"]


class OutcomeIn(Schema):
    outcome: str = Field(description="booked_demo, no_response, disqualified, closed_won or closed_lost")
    notes: str = Field("", max_length=5000)


class OutcomeOut(Schema):
    id: int
    outcome: str
    lead_status: str


class Queued(Schema):
    queued: bool


class ActivityOut(Schema):
    type: str
    actor: str
    payload: dict[str, Any]
    created_at: datetime.datetime


class TraceOut(Schema):
    run_id: uuid.UUID
    status: str
    node_events: list[Any]
    used_llm: bool
    fell_back: bool
    llm_model: str
    prompt_version: str
    prompt_tokens: int
    completion_tokens: int
    duration_ms: float
    error: str
    created_at: datetime.datetime


class DraftOut(Schema):
    id: uuid.UUID
    lead_id: uuid.UUID
    variant: str
    state: str
    subject: str
    body: str
    generated_by: str
    gated: bool
    gate_reason: str
    rejection_reason: str
    allowed_actions: list[str]
    created_at: datetime.datetime
    approved_at: datetime.datetime | None
    sent_at: datetime.datetime | None


class DraftEdit(Schema):
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)


class Reason(Schema):
    reason: str = Field(min_length=1, max_length=300)


class DraftResult(Schema):
    draft: DraftOut
    warnings: list[str]


class SuppressionIn(Schema):
    email: str = Field("", max_length=254)
    domain: str = Field("", max_length=253)
    reason: str = Field("manual", description="unsubscribed, bounced, complaint, opted_out or manual")
    notes: str = Field("", max_length=2000)


class SuppressionOut(Schema):
    email: str
    domain: str
    reason: str
    source: str
    notes: str
    created_at: datetime.datetime


class Looked(Schema):
    suppressed: bool
    entry: SuppressionOut | None


class QuotaOut(Schema):
    sent: int
    limit: int
    period: str
    may_send_now: bool
    next_send_at: datetime.datetime | None
    reason: str


class MailboxQuotaOut(Schema):
    id: int
    mailbox: str
    address: str
    owner: str | None
    sent_last_hour: int
    per_hour_cap: int
    sent_last_day: int
    per_day_cap: int
    may_send_now: bool
    next_send_at: datetime.datetime | None
    reason: str


class ReviewItem(Schema):
    draft: DraftOut
    lead: LeadSummary
    gate_reasons: list[str]


class ReviewQueue(Schema):
    waiting: int
    items: list[ReviewItem]


class ImportJobOut(Schema):
    id: uuid.UUID
    status: str
    file_name: str
    rows: int
    progress_percent: int
    created: int
    updated: int
    unchanged: int
    duplicates_in_file: int
    invalid: int
    message: str
    error_rows: list[dict[str, Any]]
