"""Recording what happened with a lead (booked a demo, closed, no response): the outcome loop.

`record_outcome` stores a Feedback row, logs it on the timeline and moves the lead's status, and announces
`leads.signals.outcome_recorded` inside the same transaction: outreach stops the lead's follow-ups when
the outcome ends the conversation, and scoring queues learning (which refits once enough new outcomes
arrived).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q

from leads.models import ActivityLog, Feedback, Lead
from leads.signals import announce_leads_changed, outcome_recorded

# Outcome -> the lead status it implies; no_response leaves the status as it is.
STATUS_FOR_OUTCOME: dict[str, str] = {
    Feedback.Outcome.BOOKED_DEMO: Lead.Status.MEETING_BOOKED,
    Feedback.Outcome.CLOSED_WON: Lead.Status.CLOSED_WON,
    Feedback.Outcome.CLOSED_LOST: Lead.Status.CLOSED_LOST,
    Feedback.Outcome.DISQUALIFIED: Lead.Status.DISQUALIFIED,
}


def record_outcome(lead: Lead, outcome: str, notes: str = "", user: Any = None) -> Feedback:
    if outcome not in Feedback.Outcome.values:
        raise ValidationError({"outcome": f"'{outcome}' is not one of: {', '.join(Feedback.Outcome.values)}"})
    label = Feedback.Outcome(outcome).label
    with transaction.atomic():
        feedback = Feedback.objects.create(
            lead=lead, outcome=outcome, notes=notes.strip(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        ActivityLog.record(lead, ActivityLog.Type.FEEDBACK, actor=user,
                           payload={"outcome": outcome, "notes": notes.strip()[:1000]})
        status = STATUS_FOR_OUTCOME.get(outcome, "")
        outcome_recorded.send(sender=Feedback, feedback=feedback, lead=lead, actor=user, status=status)
        if status:
            set_status(lead, status, user, f"outcome: {label}")
        announce_leads_changed()
    return feedback


def set_status(lead: Lead, status: str, user: Any, reason: str) -> None:
    """Move the lead to `status` and log the change with who did it and why (no-op if already there)."""
    previous = lead.status
    if previous == status:
        return
    lead.status = status
    lead.save(update_fields=["status", "updated_at"])
    ActivityLog.record(lead, ActivityLog.Type.STATUS_CHANGED, actor=user,
                       payload={"from": previous, "to": status, "reason": reason})


def conversion_by_label() -> list[dict[str, Any]]:
    """Of the leads with a recorded outcome, by the label they carry: how many booked a demo or closed won.

    The one definition of "HOT converts N %": the dashboard's chart and the Scoring model page both show it.
    """
    conversion = []
    rows = {
        row["lead__score_label"]: row
        for row in Feedback.objects.order_by().values("lead__score_label").annotate(
            leads=Count("lead", distinct=True),
            converted=Count("lead", filter=Q(outcome__in=Feedback.POSITIVE), distinct=True),
        )
    }
    for label in Lead.Label:
        row = rows.get(label.value)
        if row and row["leads"]:
            conversion.append({"label": label.value, "leads": row["leads"], "converted": row["converted"],
                               "rate": round(100 * row["converted"] / row["leads"])})
    return conversion
