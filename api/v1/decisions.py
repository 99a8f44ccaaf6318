"""The review decisions beside approving a draft: ask the lead instead, clear a lead's gate, and a manager's word on
a disqualification that waits. Each is the pages' action through `outreach.approval` (the lead page's and the
review queue's buttons); this module adds the scopes and the status codes.
"""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from api.v1.core import ERRORS, Conflict, invalid
from api.v1.drafts import _draft, draft_out
from api.v1.leads import _detail, lead_or_404, worker
from api.v1.schemas import DraftOut, LeadDetail, Reason
from leadops.roles import is_manager
from leads.models import ApiToken
from outreach import approval

router = Router(tags=["decisions"])


@router.post("/drafts/{draft_id}/needs-info", response={201: DraftOut, **ERRORS},
             summary="Ask the lead instead: the draft becomes a clarifying question (reason: the questions)")
def needs_info(request: HttpRequest, draft_id: uuid.UUID, payload: Reason) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    draft = _draft(draft_id)
    if not payload.reason.strip():
        return invalid({"reason": ["Write the questions the lead should answer."]})
    try:
        question = approval.needs_info(draft, user, payload.reason)
    except ValidationError as error:
        raise Conflict(" ".join(error.messages)) from error
    return Status(201, draft_out(question, user))


@router.post("/leads/{lead_id}/clear-gate", response={200: LeadDetail, **ERRORS},
             summary="Clear the lead's approval gate, so reps may approve its drafts (managers)")
def clear_gate(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    lead = lead_or_404(lead_id)
    if not is_manager(user):
        raise PermissionDenied("Only a manager can clear an approval gate.")
    if not lead.needs_approval:
        raise Conflict("This lead has no approval gate to clear.")
    lead.clear_approval_gate(user)
    return _detail(lead_or_404(lead_id))


def _decide(request: HttpRequest, lead_id: uuid.UUID, decide: Any) -> Any:
    user = worker(request, ApiToken.Scope.WRITE)
    lead = lead_or_404(lead_id)
    try:
        decide(lead, user)
    except ValidationError as error:  # none waits (any more)
        raise Conflict(" ".join(error.messages)) from error
    return _detail(lead_or_404(lead_id))


@router.post("/leads/{lead_id}/disqualification/confirm", response={200: LeadDetail, **ERRORS},
             summary="Confirm the disqualification that waits for a manager")
def confirm_disqualification(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    return _decide(request, lead_id, approval.confirm_disqualification)


@router.post("/leads/{lead_id}/disqualification/keep", response={200: LeadDetail, **ERRORS},
             summary="Decline the disqualification that waits: the lead stays open (managers)")
def keep_lead(request: HttpRequest, lead_id: uuid.UUID) -> Any:
    return _decide(request, lead_id, approval.keep_lead)
