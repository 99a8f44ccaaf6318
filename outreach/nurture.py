"""Nurture: leads a qualification holds (COLD, or HOLD for any reason while they have an address) get a slow
sequence of value content instead of being dropped; a re-score that lifts one to WARM or HOT takes it out.

Both follow a re-score (`leads.signals.leads_scored`, sent by scoring's save step once a batch committed):
an edit, a reply that brought new information, an import update, a new scoring version. A promoted lead goes
back to the normal route: while it was never emailed the same run drafts its first touch for review, and its
follow-up sequence starts once that is sent; a lead the nurture emails already reached starts its follow-up
sequence at once, from the first step. The reason (the new label and the decision's words) goes on its timeline.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from leads.models import ActivityLog, Lead
from outreach import sequences
from outreach.models import Enrollment, Sequence
from outreach.quotas import Window
from outreach.stopping import stop

PROMOTING_LABELS = (Lead.Label.WARM, Lead.Label.HOT)


def nurture_sequence() -> Sequence | None:
    return Sequence.objects.filter(purpose=Sequence.Purpose.NURTURE, is_active=True).order_by("pk").first()


def after_scoring(changes: list[dict[str, Any]], now: datetime | None = None) -> dict[str, int]:
    """Take held leads into nurture and promoted ones out of it; returns how many of each."""
    now = now or timezone.now()
    by_lead = {change["lead_id"]: change for change in changes}
    nurturing = set(Enrollment.objects.filter(lead_id__in=by_lead, status__in=Enrollment.OPEN_STATUSES,
                                              sequence__purpose=Sequence.Purpose.NURTURE)
                    .values_list("lead_id", flat=True))
    promoted = [lead_id for lead_id in nurturing if by_lead[lead_id]["label"] in PROMOTING_LABELS]
    for lead in Lead.objects.filter(pk__in=promoted).select_related("company"):
        promote(lead, by_lead[lead.pk], now)
    held = [lead_id for lead_id, change in by_lead.items()
            if change["action"] == Lead.Action.HOLD and lead_id not in nurturing]
    return {"promoted": len(promoted), "entered": enter(held, now) if held else 0}


def enter(lead_ids: list[Any], now: datetime) -> int:
    """Enroll these leads in the nurture sequence (in bulk: an import holds thousands at once); returns how many.

    Not a lead without an address, one that is closed, in a sequence already or nurtured before.
    """
    sequence = nurture_sequence()
    first = sequence.steps.order_by("position").first() if sequence else None
    if sequence is None or first is None:
        return 0
    taken = Enrollment.objects.filter(lead_id__in=lead_ids).filter(
        status__in=Enrollment.OPEN_STATUSES).values_list("lead_id", flat=True).union(
        Enrollment.objects.filter(lead_id__in=lead_ids, sequence=sequence).values_list("lead_id", flat=True))
    leads = (Lead.objects.filter(pk__in=lead_ids).exclude(email="").exclude(status__in=Lead.FINISHED_STATUSES)
             .exclude(pk__in=list(taken)).select_related("company"))
    rows = [Enrollment(lead=lead, sequence=sequence, started_at=now, last_step_position=0,
                       next_due_at=Window.for_lead(lead).after_working_days(now, first.wait_business_days))
            for lead in leads]
    with transaction.atomic():
        # A concurrent run may have enrolled one of them: the one-running-enrollment constraint keeps its row.
        Enrollment.objects.bulk_create(rows, ignore_conflicts=True)
        entered = dict(Enrollment.objects.filter(
            sequence=sequence, started_at=now, lead_id__in=[row.lead_id for row in rows],
        ).values_list("lead_id", "next_due_at"))
        ActivityLog.objects.bulk_create([
            ActivityLog(lead_id=lead_id, type=ActivityLog.Type.SEQUENCE, actor_label="system", created_at=now,
                        payload={"event": "enrolled", "sequence": sequence.name, "nurture": True,
                                 "reason": "held by qualification: nurture instead of dropping the lead",
                                 "next_due_at": due.isoformat() if due else None})
            for lead_id, due in entered.items()])
    return len(entered)


def promote(lead: Lead, change: dict[str, Any], now: datetime) -> None:
    """A re-score lifted a nurtured lead to WARM or HOT: out of nurture, back on the normal route."""
    reason = f"re-scored {change['label']}" + (f" ({change['reason']})" if change.get("reason") else "")
    with transaction.atomic():
        stop(lead, f"left nurture: {reason}")
        ActivityLog.record(lead, ActivityLog.Type.SEQUENCE, payload={
            "event": "promoted", "from": change.get("label_before", ""), "to": change["label"],
            "reason": change.get("reason", "")})
        if lead.status not in Lead.UNCONTACTED_STATUSES and lead.status not in Lead.FINISHED_STATUSES:
            # Nurture emails reached the lead, so no first-touch draft comes from the run: the sequence starts now.
            sequences.enroll(lead, now, reason=f"promoted from nurture: {reason}")
