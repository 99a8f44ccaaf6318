"""A rep's work that follows from what the pipeline and the inbox found.

- After a qualification run (`leads.signals.leads_scored`): the assignment rules give new leads an owner, then a
  HOT lead with no email address gets a call task for that owner.
- A reply read as interested (`outreach.signals.reply_received`) gets a task to answer it.

Both tasks carry an origin key, so a re-run or a retried delivery makes no second one. Connected through
`outreach.receivers` in `OutreachConfig.ready()`.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from leads import rep_tasks
from leads.assignment import apply_rules
from leads.models import Lead, Task
from outreach.replies import Classification


def after_qualifying(sender: Any, lead_ids: list[Any], **kwargs: Any) -> None:
    apply_rules(lead_ids)
    hot_without_email = Lead.objects.filter(pk__in=lead_ids, score_label=Lead.Label.HOT, email="",
                                            erased_at__isnull=True).exclude(status__in=Lead.FINISHED_STATUSES)
    for lead in hot_without_email.select_related("owner"):
        how = f" on {lead.phone}" if lead.phone else " (find a number or an address)"
        rep_tasks.create_task(
            lead, kind=Task.Kind.CALL, title=f"Call {lead}{how}"[:200], due_at=timezone.now() + timedelta(hours=4),
            source=Task.Source.PIPELINE, origin_key=f"hot-no-email:{lead.pk}",
            notes="A HOT lead with no email address: call them, or find an address to email.")


def after_reply(sender: Any, lead_id: Any, classification: str, activity_id: Any = None, **kwargs: Any) -> None:
    if classification != Classification.INTERESTED:
        return
    lead = Lead.objects.select_related("owner").filter(pk=lead_id).first()
    if lead is None:
        return
    # One task per reply; a reply known only by its lead (an older caller) gets one per lead and day.
    origin = f"reply:{activity_id}" if activity_id else f"reply:{lead_id}:{timezone.localdate().isoformat()}"
    rep_tasks.create_task(
        lead, kind=Task.Kind.EMAIL, title=f"Answer {lead}: they replied interested"[:200],
        due_at=timezone.now() + timedelta(hours=2), source=Task.Source.REPLY, origin_key=origin)
