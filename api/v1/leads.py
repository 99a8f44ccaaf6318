"""`/api/v1/leads`: list with the dashboard's filters, detail, create, update, re-run, status, outcome, and the
decision on the LLM's suggestion to move a lead across the email line."""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from ninja import Body, Query, Router, Status

from api.leads import create_from_payload
from api.v1.core import ERRORS, Conflict, invalid, needs, plain
from api.v1.schemas import (
    ActivityOut,
    CompanyOut,
    Created,
    LeadDetail,
    LeadPage,
    LeadQuery,
    OutcomeIn,
    OutcomeOut,
    Queued,
    StatusIn,
    SuggestionDecisionIn,
    TraceOut,
)
from leadops.roles import has_role
from leads import intake, outcomes
from leads.filters import LeadFilters, keyset_page
from leads.models import ActivityLog, ApiToken, Company, Lead
from leads.signals import ask_for_qualification
from outreach import approval
from scoring import email_line
from scoring.models import Trace

router = Router(tags=["leads"])
PAGE_SIZE = 50
# What a page row reads: whole leads (their JSON columns above all) would cost several times as much.
SUMMARY_FIELDS = ("id", "first_name", "last_name", "email", "company_name", "status", "score_label", "score_value",
                  "recommended_action", "needs_approval", "approval_reason", "source", "created_at")
ACTIVITY_LIMIT = 200


def worker(request: HttpRequest, scope: str) -> Any:
    """The token's owner, if the token has `scope` and the owner works leads (a rep or a manager)."""
    user = needs(request, scope)
    if not has_role(user):
        raise PermissionDenied("The token's owner is neither a rep nor a manager.")
    return user


def lead_or_404(lead_id: uuid.UUID) -> Lead:
    return get_object_or_404(Lead.objects.select_related("company", "owner"), pk=lead_id, erased_at__isnull=True)


def _detail(lead: Lead) -> dict[str, Any]:
    values = {name: getattr(lead, name) for name in LeadDetail.model_fields if hasattr(lead, name)}
    values["owner"] = lead.owner.get_username() if lead.owner else ""
    values["company_domain"] = lead.company.domain if lead.company else ""
    values["score_factors"] = [
        {"factor": str(row.get("factor", row.get("label", ""))), "points": float(row.get("points", 0) or 0)}
        for row in lead.score_factors or [] if isinstance(row, dict)
    ]
    return values


@router.get("/leads", response={200: LeadPage, **ERRORS}, summary="List leads")
def list_leads(request: HttpRequest, query: Query[LeadQuery]) -> Any:
    user = worker(request, ApiToken.Scope.READ)
    given = QueryDict(mutable=True)
    given.update({name: value for name, value in query.dict().items() if value})
    filters = LeadFilters.from_query(given)
    if filters.errors:
        return invalid({name: [message] for name, message in filters.errors.items()})
    page = keyset_page(filters, user, SUMMARY_FIELDS, size=PAGE_SIZE)
    return plain(LeadPage).model_validate({"leads": page.rows, "next": page.next_cursor})


@router.post("/leads", response={200: Created, 201: Created, **ERRORS}, summary="Create a lead (idempotent)")
def create_lead(request: HttpRequest, payload: Body[dict[str, Any]]) -> Any:
    worker(request, ApiToken.Scope.WRITE)
    created, answer = create_from_payload(payload, request.auth.source)  # type: ignore[attr-defined]
    if created is None:
        return invalid(answer)
    return Status(201 if created else 200, answer)


@router.get("/leads/{lead_id}", response={200: LeadDetail, **ERRORS}, summary="A lead in full")
def lead_detail(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    worker(request, ApiToken.Scope.READ)
    return _detail(lead_or_404(lead_id))


@router.patch("/leads/{lead_id}", response={200: LeadDetail, **ERRORS}, summary="Change a lead's details")
def update_lead(request: HttpRequest, lead_id: uuid.UUID, payload: Body[dict[str, Any]]) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    lead = lead_or_404(lead_id)
    unknown = sorted(set(payload) - set(Lead.EDITABLE_FIELDS))
    if unknown:
        return invalid({name: ["This field cannot be changed."] for name in unknown})
    if any(not isinstance(value, str) for value in payload.values()):
        return invalid({name: ["Give the value as text."] for name, value in payload.items()
                        if not isinstance(value, str)})
    values = {name: getattr(lead, name) for name in Lead.EDITABLE_FIELDS} | payload
    try:
        intake.edit(lead, values, actor=user)
    except intake.DuplicateEmail as error:
        raise Conflict(error.errors[0].sentence()) from error
    except intake.IntakeError as error:
        return invalid({problem.field or "lead": [problem.sentence()] for problem in error.errors})
    return _detail(lead_or_404(lead_id))


@router.post("/leads/{lead_id}/qualify", response={202: Queued, **ERRORS}, summary="Run the pipeline again")
def qualify_again(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    worker(request, ApiToken.Scope.WRITE)
    ask_for_qualification([lead_or_404(lead_id).pk])
    return Status(202, {"queued": True})


@router.post("/leads/{lead_id}/status", response={200: LeadDetail, 202: LeadDetail, **ERRORS},
             summary="Change the status (202: a disqualification that waits for a manager to confirm it)")
def change_status(request: HttpRequest, lead_id: uuid.UUID, payload: StatusIn) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    if payload.status not in Lead.Status.values:
        return invalid({"status": [f"Not one of {', '.join(Lead.Status.values)}."]})
    lead = lead_or_404(lead_id)
    if payload.status == Lead.Status.DISQUALIFIED and lead.status != payload.status:
        # The pages' rule, not a bare status change: outreach stops, and a rep's disqualification of a gated
        # lead asks a manager instead.
        waiting = approval.disqualify(lead, user, payload.reason) == approval.Disqualification.WAITING
        return Status(202 if waiting else 200, _detail(lead_or_404(lead_id)))
    outcomes.set_status(lead, payload.status, user, payload.reason)
    return _detail(lead)


@router.post("/leads/{lead_id}/llm-suggestion", response={200: LeadDetail, **ERRORS},
             summary="Approve or decline the LLM's suggestion to email (or hold) the lead")
def decide_llm_suggestion(request: HttpRequest, lead_id: uuid.UUID, payload: SuggestionDecisionIn) -> Any:
    """`enrichment.llm_would` holds the suggestion (scoring.email_line); 409 when none waits."""
    user = worker(request, ApiToken.Scope.WRITE)
    lead = lead_or_404(lead_id)
    try:
        (email_line.approve if payload.decision == "approve" else email_line.decline)(lead, user)
    except ValidationError as error:
        raise Conflict(" ".join(error.messages)) from None
    return _detail(lead_or_404(lead_id))


@router.post("/leads/{lead_id}/outcomes", response={201: OutcomeOut, **ERRORS}, summary="Record an outcome")
def record_outcome(request: HttpRequest, lead_id: uuid.UUID, payload: OutcomeIn) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    lead = lead_or_404(lead_id)
    feedback = outcomes.record_outcome(lead, payload.outcome, payload.notes, user=user)
    return Status(201, {"id": feedback.pk, "outcome": feedback.outcome, "lead_status": lead.status})


@router.get("/leads/{lead_id}/activity", response={200: list[ActivityOut], **ERRORS}, summary="The timeline")
def activity(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    worker(request, ApiToken.Scope.READ)
    entries = (ActivityLog.objects.filter(lead=lead_or_404(lead_id)).select_related("actor")
               .order_by("-created_at", "-id")[:ACTIVITY_LIMIT])
    return [{"type": entry.type, "payload": entry.payload if isinstance(entry.payload, dict) else {},
             "actor": entry.actor.get_username() if entry.actor else entry.actor_label or "system",
             "created_at": entry.created_at} for entry in entries]


@router.get("/leads/{lead_id}/traces", response={200: list[TraceOut], **ERRORS}, summary="Pipeline runs")
def traces(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    worker(request, ApiToken.Scope.READ)
    return list(Trace.objects.filter(lead=lead_or_404(lead_id)).order_by("-created_at")[:50])


@router.get("/companies/{domain}", response={200: CompanyOut, **ERRORS}, summary="Company memory")
def company(request: HttpRequest, domain: str) -> Any:
    worker(request, ApiToken.Scope.READ)
    found = get_object_or_404(Company, domain=domain.strip().lower())
    leads = Lead.objects.filter(company=found, erased_at__isnull=True)
    return {**{name: getattr(found, name) for name in ("domain", "name", "website", "industry", "size_band",
                                                       "country", "web_profile")},
            "lead_count": leads.count(),
            "leads": list(leads.order_by("-created_at").values(*SUMMARY_FIELDS)[:PAGE_SIZE])}


