"""Follow-up sequences: enroll a lead when its first touch is sent, draft each step when due, stop early.

Steps are timed from the first send (`SequenceStep.delay_days`). The beat task `draft_due_steps`
claims an enrollment's next step with a conditional UPDATE on `last_step_position`, so two
overlapping beat runs (or two beat processes) draft each step once. A step waits for approval
like any draft unless AUTO_APPROVE_FOLLOW_UPS is on and the lead is not enterprise.

A sequence stops, with the reason on the lead's timeline, on a reply, a booked meeting, an
unsubscribe, a bounce, a disqualification or a closed deal (`stop`). An earlier step that is
still waiting for approval holds the next one back rather than letting two follow-ups pile up.
"""

import logging
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadops import runtime
from leads.models import ActivityLog, Lead
from outreach import drafting, sending
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceStep

logger = logging.getLogger(__name__)

_ENTERPRISE_SIZES = (Lead.SizeBand.ENTERPRISE, Lead.SizeBand.HUGE)


def _step_after(enrollment: Enrollment, position: int) -> SequenceStep | None:
    return enrollment.sequence.steps.filter(position__gt=position).order_by("position").first()


def enroll(lead: Lead, started_at: datetime) -> Enrollment | None:
    """Start the default sequence for a lead whose first touch just went out (once per lead)."""
    sequence = Sequence.objects.filter(is_default=True, is_active=True).first()
    if sequence is None or Enrollment.objects.filter(lead=lead, status=Enrollment.Status.ACTIVE).exists():
        return None
    first = sequence.steps.order_by("position").first()
    position = first.position if first else 0
    enrollment = Enrollment(lead=lead, sequence=sequence, started_at=started_at, last_step_position=position)
    following = _step_after(enrollment, position)
    enrollment.next_due_at = started_at + timedelta(days=following.delay_days) if following else None
    if following is None:
        enrollment.status = Enrollment.Status.FINISHED
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:
        return None  # a concurrent send enrolled it first
    ActivityLog.record(lead, ActivityLog.Type.SEQUENCE,
                       payload={"event": "enrolled", "sequence": sequence.name,
                                "next_due_at": enrollment.next_due_at.isoformat() if enrollment.next_due_at else None})
    return enrollment


def stop(lead: Lead, reason: str, *, actor: Any = None, cancel: Literal["follow_ups", "all"] = "follow_ups") -> bool:
    """Stop the lead's active sequence and cancel unsent drafts; True if a sequence was stopped.

    `cancel="all"` also cancels first touches and questions (unsubscribe, bounce, disqualify,
    close); a reply only cancels the pending follow-ups.
    """
    now = timezone.now()
    stopped = bool(Enrollment.objects.filter(lead=lead, status=Enrollment.Status.ACTIVE).update(
        status=Enrollment.Status.STOPPED, stop_reason=reason[:200], stopped_at=now, next_due_at=None, updated_at=now,
    ))
    unsent = EmailDraft.objects.filter(lead=lead, state__in=(EmailDraft.State.DRAFT, EmailDraft.State.APPROVED))
    if cancel == "follow_ups":
        unsent = unsent.filter(enrollment__isnull=False)
    cancelled = [str(pk) for pk in unsent.values_list("pk", flat=True)]
    unsent.update(state=EmailDraft.State.CANCELLED, rejection_reason=f"Sequence stopped: {reason}"[:300], updated_at=now)
    if stopped or cancelled:
        ActivityLog.record(lead, ActivityLog.Type.SEQUENCE, actor=actor,
                           payload={"event": "stopped", "reason": reason, "cancelled_drafts": cancelled})
    return stopped


def is_enterprise(lead: Lead) -> bool:
    return (
        lead.company_size in _ENTERPRISE_SIZES
        or (lead.budget_amount or 0) >= settings.ENTERPRISE_MIN_BUDGET
        or lead.needs_approval
    )


def draft_due_steps(now: datetime | None = None, limit: int = 500) -> int:
    """Beat: draft every step that is due; returns how many drafts were made."""
    now = now or timezone.now()
    due = (
        Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, next_due_at__lte=now)
        .select_related("lead", "sequence").order_by("next_due_at")[:limit]
    )
    return sum(_draft_step(enrollment, now) for enrollment in due)


def _draft_step(enrollment: Enrollment, now: datetime) -> bool:
    from outreach.unsubscribe import suppression_for

    lead = enrollment.lead
    if lead.status in Lead.FINISHED_STATUSES:
        stop(lead, f"lead is {lead.get_status_display().lower()}")
        return False
    blocked = suppression_for(lead.email)
    if blocked:
        stop(lead, f"{blocked} is suppressed", cancel="all")
        return False
    if enrollment.drafts.filter(state__in=(EmailDraft.State.DRAFT, EmailDraft.State.APPROVED)).exists():
        return False  # the previous step has not gone out yet
    step = _step_after(enrollment, enrollment.last_step_position)
    following = _step_after(enrollment, step.position) if step else None
    with transaction.atomic():
        claimed = Enrollment.objects.filter(
            pk=enrollment.pk, status=Enrollment.Status.ACTIVE, last_step_position=enrollment.last_step_position
        ).update(
            last_step_position=step.position if step else enrollment.last_step_position,
            next_due_at=enrollment.started_at + timedelta(days=following.delay_days) if following else None,
            status=Enrollment.Status.ACTIVE if following else Enrollment.Status.FINISHED,
            updated_at=now,
        )
        if not claimed or step is None:
            return False
        draft = _create_step_draft(enrollment, step)
    if runtime.get("AUTO_APPROVE_FOLLOW_UPS") and not is_enterprise(lead):
        _auto_approve(draft)
    return True


def _create_step_draft(enrollment: Enrollment, step: SequenceStep) -> EmailDraft:
    lead = enrollment.lead
    draft = drafting.new_draft(lead, step.variant, drafting.render_variant(lead, step.variant))
    draft.sequence_step, draft.enrollment = step, enrollment
    draft.lint = sending.lint_draft(draft).as_dict()
    draft.save()
    ActivityLog.record(lead, ActivityLog.Type.EMAIL_DRAFTED,
                       payload={"draft": str(draft.pk), "variant": step.variant, "sequence": enrollment.sequence.name,
                                "step": step.position})
    return draft


def _auto_approve(draft: EmailDraft) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from outreach import approval

    try:
        approval.approve(draft, None)
    except (ValidationError, PermissionDenied) as error:
        # Left in the review queue for a person; the lint problems are on the draft.
        logger.info("Follow-up %s not auto-approved: %s", draft.pk, error)

