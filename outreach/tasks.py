"""Celery glue for outreach: take ids, call the job module, report what happened. Safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from outreach import briefing, sending, sequences
from outreach.models import EmailDraft

# An approved row with no send time and no claim after this long lost its task (broker down at approval).
_LOST_AFTER = timedelta(minutes=5)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_draft(draft_id: str) -> str:
    return sending.send(draft_id)


@shared_task(ignore_result=True)
def send_due_drafts(limit: int = 1000) -> int:
    """Beat: enqueue deferred drafts whose time has come, and approved rows whose task was lost."""
    now = timezone.now()
    due = EmailDraft.objects.filter(state=EmailDraft.State.APPROVED).filter(
        Q(send_after__lte=now) | Q(send_after__isnull=True, approved_at__lt=now - _LOST_AFTER)
    ).order_by("send_after", "approved_at").values_list("pk", flat=True)[:limit]
    count = 0
    for draft_id in due:
        send_draft.delay(str(draft_id))
        count += 1
    return count


@shared_task(ignore_result=True)
def recover_interrupted_sends() -> int:
    return sending.recover_interrupted_sends()


@shared_task(ignore_result=True)
def draft_due_follow_ups() -> int:
    return sequences.draft_due_steps()


@shared_task(ignore_result=True)
def send_daily_briefing() -> int:
    return briefing.send_briefing()
