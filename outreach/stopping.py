"""Stop contacting a lead: end its follow-up sequence and cancel the emails not sent yet.

Everything that ends a conversation comes here: a reply, a booked meeting, an unsubscribe, a
bounce, a disqualification or a closed deal. The reason goes on the lead's timeline. A reply only
cancels the pending follow-ups (a question a rep drafted may still go out); the others cancel
every unsent email (`cancel="all"`). Safe to call twice: a second call finds nothing to stop.
"""

from typing import Any, Literal

from django.utils import timezone

from leads.models import ActivityLog, Lead
from outreach.models import EmailDraft, Enrollment, Suppression
from outreach.signals import announce, lead_unsubscribed


def stop(lead: Lead, reason: str, *, actor: Any = None, cancel: Literal["follow_ups", "all"] = "follow_ups") -> bool:
    """Stop the lead's active sequence and cancel unsent drafts; True if a sequence was stopped.

    `cancel="all"` also cancels first touches and questions (unsubscribe, bounce, disqualify,
    close); a reply only cancels the pending follow-ups.
    """
    now = timezone.now()
    stopped = bool(Enrollment.objects.filter(lead=lead, status__in=Enrollment.OPEN_STATUSES).update(
        status=Enrollment.Status.STOPPED, stop_reason=reason[:200], stopped_at=now, next_due_at=None, updated_at=now,
    ))
    unsent = EmailDraft.objects.filter(lead=lead, state__in=(EmailDraft.State.DRAFT, EmailDraft.State.APPROVED))
    if cancel == "follow_ups":
        unsent = unsent.filter(enrollment__isnull=False)
    cancelled = [str(pk) for pk in unsent.values_list("pk", flat=True)]
    unsent.update(state=EmailDraft.State.CANCELLED, rejection_reason=f"Sequence stopped: {reason}"[:300],
                  updated_at=now)
    if stopped or cancelled:
        ActivityLog.record(lead, ActivityLog.Type.SEQUENCE, actor=actor,
                           payload={"event": "stopped", "reason": reason, "cancelled_drafts": cancelled})
    return stopped


def stop_contacting(row: Suppression, *, actor: Any = None) -> None:
    """Take the leads a new suppression row covers out of their sequences and cancel their unsent drafts."""
    leads = Lead.objects.filter(email__iexact=row.email) if row.email else Lead.objects.filter(
        email__iendswith="@" + row.domain
    )
    activity = ActivityLog.Type.BOUNCED if row.reason == Suppression.Reason.BOUNCED else ActivityLog.Type.UNSUBSCRIBED
    label = Suppression.Reason(row.reason).label.lower()
    for lead in leads:
        ActivityLog.record(lead, activity, actor=actor, actor_label="system",
                           payload={"suppressed": row.email or "@" + row.domain, "reason": row.reason,
                                    "source": row.source})
        if activity == ActivityLog.Type.UNSUBSCRIBED:
            announce(lead_unsubscribed, lead_id=lead.pk, reason=row.reason)
        stop(lead, f"{label} ({row.source})", actor=actor, cancel="all")
