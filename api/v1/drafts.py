"""`/api/v1/drafts` and a lead's drafts: list, write a new one, edit, approve and send, send now, reject,
regenerate.

`outreach.approval` decides what the token's owner may do (a rep cannot approve a gated draft) and
`outreach.redrafting` writes new emails; this module only adds the scopes and the status codes.
"""

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from api.v1.core import ERRORS, Conflict
from api.v1.leads import lead_or_404, worker
from api.v1.schemas import DraftEdit, DraftOut, DraftResult, Reason
from leads.models import ApiToken
from outreach import approval, gates, redrafting
from outreach.models import EmailDraft

router = Router(tags=["drafts"])
State = EmailDraft.State


class DraftIn(Schema):
    template_key: str | None = None
    use_llm: bool = False
    instruction: str = ""


def draft_out(draft: EmailDraft, user: Any) -> dict[str, Any]:
    return {
        "id": draft.pk, "lead_id": draft.lead_id, "variant": draft.variant, "state": draft.state,
        "subject": draft.subject, "body": draft.body, "generated_by": draft.generated_by, "gated": draft.gated,
        "gate_reason": draft.gate_reason, "rejection_reason": draft.rejection_reason,
        "allowed_actions": sorted(act.value for act in gates.allowed_acts(draft, user)) if draft.state == State.DRAFT
        else [], "created_at": draft.created_at, "approved_at": draft.approved_at, "sent_at": draft.sent_at,
    }


def _draft(draft_id: uuid.UUID) -> EmailDraft:
    return get_object_or_404(EmailDraft.objects.select_related("lead"), pk=draft_id, lead__erased_at__isnull=True)


def _to_send(request: HttpRequest, draft_id: uuid.UUID) -> tuple[Any, EmailDraft]:
    """The token's owner, when the token may write and send, and the draft to send."""
    worker(request, ApiToken.Scope.WRITE)
    return worker(request, ApiToken.Scope.SEND), _draft(draft_id)


@router.get("/leads/{lead_id}/drafts", response={200: list[DraftOut], **ERRORS}, summary="A lead's drafts")
def lead_drafts(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    user = worker(request, ApiToken.Scope.READ)
    lead = lead_or_404(lead_id)
    return [draft_out(draft, user) for draft in lead.drafts.select_related("lead").order_by("-created_at")[:50]]


@router.post("/leads/{lead_id}/drafts", response={201: DraftOut, **ERRORS}, summary="Write a new draft")
def new_draft(request: HttpRequest, lead_id: uuid.UUID, payload: DraftIn) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    lead = lead_or_404(lead_id)
    draft = redrafting.redraft(lead, user=user, template_key=payload.template_key, use_llm=payload.use_llm,
                               instruction=payload.instruction)
    return Status(201, draft_out(draft, user))


@router.get("/drafts/{draft_id}", response={200: DraftOut, **ERRORS}, summary="One draft")
def draft_detail(request: HttpRequest, draft_id: uuid.UUID) -> Any:
    user = worker(request, ApiToken.Scope.READ)
    return draft_out(_draft(draft_id), user)


@router.put("/drafts/{draft_id}", response={200: DraftResult, **ERRORS}, summary="Edit a draft")
def edit_draft(request: HttpRequest, draft_id: uuid.UUID, payload: DraftEdit) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    draft = _draft(draft_id)
    if draft.state != State.DRAFT:
        raise Conflict(f"This draft is {draft.get_state_display().lower()}; only drafts can be edited.")
    lint = approval.save_edit(draft, user, payload.subject, payload.body)
    return {"draft": draft_out(draft, user), "warnings": lint.warnings}


@router.post("/drafts/{draft_id}/approve", response={202: DraftResult, **ERRORS},
             summary="Approve and send (needs the 'send' scope)")
def approve_draft(request: HttpRequest, draft_id: uuid.UUID) -> Any:
    user, draft = _to_send(request, draft_id)
    if draft.state not in (State.DRAFT, State.APPROVED):
        raise Conflict(f"This draft is {draft.get_state_display().lower()} and cannot be approved.")
    lint = approval.approve(draft, user)
    return Status(202, {"draft": draft_out(draft, user), "warnings": lint.warnings})


@router.post("/drafts/{draft_id}/send-now", response={202: DraftOut, **ERRORS},
             summary="Send an approved email now, outside the send window (managers; needs the 'send' scope)")
def send_draft_now(request: HttpRequest, draft_id: uuid.UUID) -> Any:
    user, draft = _to_send(request, draft_id)
    if draft.state != State.APPROVED:
        raise Conflict(f"This email is {draft.get_state_display().lower()}; only an approved email waiting to be "
                       "sent can be sent now.")
    try:
        approval.send_now(draft, user)
    except ValidationError as error:  # sent or rejected since it was read
        raise Conflict(" ".join(error.messages)) from error
    draft.refresh_from_db()
    return Status(202, draft_out(draft, user))


@router.post("/drafts/{draft_id}/reject", response={200: DraftOut, **ERRORS}, summary="Reject with a reason")
def reject_draft(request: HttpRequest, draft_id: uuid.UUID, payload: Reason) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    draft = _draft(draft_id)
    if draft.state not in (State.DRAFT, State.APPROVED):
        raise Conflict(f"This draft is {draft.get_state_display().lower()} and cannot be rejected.")
    approval.reject(draft, user, payload.reason)
    return draft_out(draft, user)


@router.post("/drafts/{draft_id}/regenerate", response={201: DraftOut, **ERRORS},
             summary="Write this draft again (from its template, or with the LLM)")
def regenerate_draft(request: HttpRequest, draft_id: uuid.UUID, payload: DraftIn) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    draft = _draft(draft_id)
    if draft.state not in (State.DRAFT, State.REJECTED, State.CANCELLED, State.FAILED):
        raise Conflict(f"This draft is {draft.get_state_display().lower()}; it is not written again.")
    written = redrafting.redraft(draft.lead, user=user, template_key=payload.template_key or draft.variant,
                                 use_llm=payload.use_llm, instruction=payload.instruction)
    return Status(201, draft_out(written, user))
