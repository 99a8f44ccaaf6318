"""The domain apps' signals, heard and turned into webhook events (connected in `WebhooksConfig.ready()`).

Every signal here but `outcome_recorded` is sent after its change committed; that one is sent inside the
outcome's transaction, so its event is written once that commits.
"""

from functools import partial
from typing import Any

from django.db import transaction

from leads.signals import leads_created, outcome_recorded
from outreach import signals as outreach_signals
from outreach.models import EmailDraft
from scoring.signals import leads_qualified
from webhooks.events import emit
from webhooks.models import Endpoint

Event = Endpoint.Event


def _draft(draft_id: Any) -> dict[str, Any]:
    draft = EmailDraft.objects.filter(pk=draft_id).values("id", "variant", "state", "subject", "to_email",
                                                          "approved_at", "sent_at").first()
    if draft is None:
        return {}
    return {"draft": {**draft, "id": str(draft["id"]),
                      "approved_at": draft["approved_at"].isoformat() if draft["approved_at"] else None,
                      "sent_at": draft["sent_at"].isoformat() if draft["sent_at"] else None}}


def on_leads_created(sender: Any, lead_ids: list[Any], **kwargs: Any) -> None:
    emit(Event.LEAD_CREATED, lead_ids)


def on_leads_qualified(sender: Any, lead_ids: list[Any], **kwargs: Any) -> None:
    emit(Event.LEAD_QUALIFIED, lead_ids)


def on_draft_approved(sender: Any, draft_id: Any, lead_id: Any, **kwargs: Any) -> None:
    emit(Event.DRAFT_APPROVED, [lead_id], {lead_id: _draft(draft_id)})


def on_email_sent(sender: Any, draft_id: Any, lead_id: Any, **kwargs: Any) -> None:
    emit(Event.EMAIL_SENT, [lead_id], {lead_id: _draft(draft_id)})


def on_reply_received(sender: Any, lead_id: Any, classification: str, **kwargs: Any) -> None:
    emit(Event.REPLY_RECEIVED, [lead_id], {lead_id: {"classification": classification}})


def on_lead_unsubscribed(sender: Any, lead_id: Any, reason: str, **kwargs: Any) -> None:
    emit(Event.LEAD_UNSUBSCRIBED, [lead_id], {lead_id: {"reason": reason}})


def on_outcome_recorded(sender: Any, feedback: Any, lead: Any, **kwargs: Any) -> None:
    outcome = {"outcome": {"id": feedback.pk, "outcome": feedback.outcome, "notes": feedback.notes,
                           "created_at": feedback.created_at.isoformat()}}
    transaction.on_commit(partial(emit, Event.OUTCOME_RECORDED, [lead.pk], {lead.pk: outcome}))


def connect() -> None:
    leads_created.connect(on_leads_created, dispatch_uid="webhooks.leads_created")
    leads_qualified.connect(on_leads_qualified, dispatch_uid="webhooks.leads_qualified")
    outreach_signals.draft_approved.connect(on_draft_approved, dispatch_uid="webhooks.draft_approved")
    outreach_signals.email_sent.connect(on_email_sent, dispatch_uid="webhooks.email_sent")
    outreach_signals.reply_received.connect(on_reply_received, dispatch_uid="webhooks.reply_received")
    outreach_signals.lead_unsubscribed.connect(on_lead_unsubscribed, dispatch_uid="webhooks.lead_unsubscribed")
    outcome_recorded.connect(on_outcome_recorded, dispatch_uid="webhooks.outcome_recorded")
