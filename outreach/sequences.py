"""Follow-up sequences: enroll a lead when its first touch is sent, draft each step when due.

Steps are timed from the first send (`SequenceStep.delay_days`). The beat task claims an
enrollment's next step with a conditional UPDATE on `last_step_position`, so two overlapping beat
runs (or two beat processes) draft each step once. A drafted step waits for approval like any
draft; the beat task then hands the new drafts to `approval.auto_approve_follow_ups`, which
approves them when AUTO_APPROVE_FOLLOW_UPS is on and the lead is not enterprise.

A sequence ends early (`outreach.stopping`) on a reply, a booked meeting, an unsubscribe, a
bounce, a disqualification or a closed deal. An earlier step that is still waiting for approval
holds the next one back rather than letting two follow-ups pile up.

One enrollment that cannot be drafted (a step whose variant has no email template, a lead whose data
breaks a template) never stops the others: its claim is rolled back, so it is drafted once the step is
fixed, and the problem goes on its lead's timeline once, as an ERROR naming the step.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from leads.models import ActivityLog, Lead
from outreach import drafting
from outreach.compliance import lint_draft
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceStep
from outreach.stopping import stop
from outreach.suppression import suppression_for

logger = logging.getLogger(__name__)


def _step_after(enrollment: Enrollment, position: int) -> SequenceStep | None:
    return enrollment.sequence.steps.filter(position__gt=position).order_by("position").first()


def enroll(lead: Lead, started_at: datetime) -> Enrollment | None:
    """Start the default sequence for a lead whose first touch just went out (once per lead)."""
    sequence = Sequence.objects.filter(is_default=True, is_active=True).first()
    if sequence is None or Enrollment.objects.filter(lead=lead, status__in=Enrollment.OPEN_STATUSES).exists():
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


def draft_due_steps(now: datetime | None = None, limit: int = 500) -> list[EmailDraft]:
    """Beat: draft every step that is due; returns the drafts made."""
    now = now or timezone.now()
    due = (
        Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, next_due_at__lte=now)
        .select_related("lead", "sequence").order_by("next_due_at")[:limit]
    )
    drafts = []
    for enrollment in due:
        try:
            draft = _draft_step(enrollment, now)
        except (OperationalError, InterfaceError):
            raise  # the database is away: no enrollment can be drafted, and the task retries
        except Exception as error:  # one enrollment's failure must not hold back the ones after it
            _record_failure(enrollment, error)
            continue
        if draft is not None:
            drafts.append(draft)
    return drafts


def _record_failure(enrollment: Enrollment, error: Exception) -> None:
    """Log the failure, and put it on the lead's timeline once per step (the beat tries again every run)."""
    step = _step_after(enrollment, enrollment.last_step_position)
    where = (f"step {step.position} ({step.get_variant_display()}) of “{enrollment.sequence}”" if step
             else f"the next step of “{enrollment.sequence}”")
    logger.exception("Could not draft %s for lead %s", where, enrollment.lead_id)
    payload = {"event": "follow_up_failed", "sequence": enrollment.sequence.name,
               "step": step.position if step else None}
    if not ActivityLog.objects.filter(lead_id=enrollment.lead_id, type=ActivityLog.Type.ERROR,
                                      **{f"payload__{key}": value for key, value in payload.items()}).exists():
        ActivityLog.record(enrollment.lead, ActivityLog.Type.ERROR,
                           payload={**payload, "error": f"Could not draft {where}: {error}"[:500]})


def _draft_step(enrollment: Enrollment, now: datetime) -> EmailDraft | None:
    lead = enrollment.lead
    if lead.status in Lead.FINISHED_STATUSES:
        stop(lead, f"lead is {lead.get_status_display().lower()}")
        return None
    blocked = suppression_for(lead.email)
    if blocked:
        stop(lead, f"{blocked} is suppressed", cancel="all")
        return None
    if enrollment.drafts.filter(state__in=(EmailDraft.State.DRAFT, EmailDraft.State.APPROVED)).exists():
        return None  # the previous step has not gone out yet
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
            return None
        return _create_step_draft(enrollment, step)


def _create_step_draft(enrollment: Enrollment, step: SequenceStep) -> EmailDraft:
    lead = enrollment.lead
    draft = drafting.new_draft(lead, step.variant, drafting.render_variant(lead, step.variant))
    draft.sequence_step, draft.enrollment = step, enrollment
    draft.lint = lint_draft(draft).as_dict()
    draft.save()
    ActivityLog.record(lead, ActivityLog.Type.EMAIL_DRAFTED,
                       payload={"draft": str(draft.pk), "variant": step.variant, "sequence": enrollment.sequence.name,
                                "step": step.position})
    return draft
