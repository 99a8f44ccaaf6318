"""Hold a lead's follow-ups while a person does something by hand (a call, a LinkedIn message), then go on.

A paused enrollment keeps its place and its due date; the due-step scan (`sequences.draft_due_steps`) reads only
active ones, so nothing is drafted while it waits. On resume a step whose time has come is drafted on the next
scan. Both are on the lead's timeline, and both are safe to call twice: the second call finds nothing to change.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leads.models import ActivityLog, Lead
from outreach.models import Enrollment


def _lead_ids(leads: QuerySet[Lead] | Iterable[Lead]) -> Any:
    return leads.values("pk") if isinstance(leads, QuerySet) else [lead.pk for lead in leads]


def _move(leads: QuerySet[Lead] | Iterable[Lead], before: str, after: str, reason: str, by: Any) -> int:
    now = timezone.now()
    with transaction.atomic():
        moving = list(Enrollment.objects.select_for_update().filter(lead_id__in=_lead_ids(leads), status=before)
                      .select_related("lead", "sequence"))
        paused = after == Enrollment.Status.PAUSED
        Enrollment.objects.filter(pk__in=[each.pk for each in moving]).update(
            status=after, paused_reason=reason[:200] if paused else "", paused_at=now if paused else None,
            updated_at=now)
        for enrollment in moving:
            event = "paused" if paused else "resumed"
            ActivityLog.record(enrollment.lead, ActivityLog.Type.SEQUENCE, actor=by,
                               payload={"event": event, "sequence": enrollment.sequence.name, "reason": reason})
    return len(moving)


def pause(leads: QuerySet[Lead] | Iterable[Lead], reason: str, by: Any = None) -> int:
    """Pause the active enrollments of these leads; returns how many were paused."""
    return _move(leads, Enrollment.Status.ACTIVE, Enrollment.Status.PAUSED, reason, by)


def resume(leads: QuerySet[Lead] | Iterable[Lead], by: Any = None, *, reason: str = "") -> int:
    """Let the paused enrollments of these leads go on; returns how many resumed."""
    return _move(leads, Enrollment.Status.PAUSED, Enrollment.Status.ACTIVE, reason, by)
