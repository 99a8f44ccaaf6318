"""A rep's work that follows what the inbox found: a reply read as interested (`outreach.signals.reply_received`)
gets a task to answer it, once per reply however often the delivery is repeated. Connected in
`OutreachConfig.ready()`. (What follows a qualification run is scoring.rep_work: scoring sits above outreach.)
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from leads import rep_tasks
from leads.models import Lead, Task
from outreach.replies import Classification

# How soon an interested reply should be answered.
ANSWER_WITHIN = timedelta(hours=2)


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
        due_at=timezone.now() + ANSWER_WITHIN, source=Task.Source.REPLY, origin_key=origin)
