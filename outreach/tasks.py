"""Celery glue for outreach's beat jobs: take ids, call the job modules, report what happened. Safe to run twice.

The outbox's own task, `send_draft`, lives with the outbox in `outreach.sending`, so that approval
(below this module) can queue it; `read_reply_with_llm` lives with reply reading in `outreach.replies`,
which queues it.
"""

from dataclasses import asdict
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from outreach import approval, inbox, quotas, report_subscriptions, sending, sequences
from outreach.models import EmailDraft, Mailbox
from outreach.replies import read_reply_with_llm  # noqa: F401  (the worker registers it from here)
from outreach.sending import send_draft

# An approved row with no send time and no claim after this long lost its task (broker down at approval).
_LOST_AFTER = timedelta(minutes=5)


@shared_task(ignore_result=True)
def send_due_drafts(limit: int = 1000) -> int:
    """Beat: enqueue deferred drafts whose time has come, and approved rows whose task was lost.

    Drafts held by the send window are first matched to the window as it is now, so a changed window counts
    from this tick on.
    """
    now = timezone.now()
    quotas.refresh_window_holds(now)
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
    """Beat: draft the follow-up steps that are due, then let approval pass those that need no person."""
    drafts = sequences.draft_due_steps()
    approval.auto_approve_follow_ups(drafts)
    return len(drafts)


@shared_task(ignore_result=True)
def send_due_reports() -> int:
    """Beat: the scheduled report emails whose hour has come (outreach.report_subscriptions)."""
    return report_subscriptions.send_due()


@shared_task(ignore_result=True)
def poll_mailboxes() -> int:
    """Beat: one poll task per mailbox that reads its inbox."""
    mailbox_ids = [mailbox.pk for mailbox in Mailbox.objects.filter(is_active=True).exclude(imap_host="")]
    for mailbox_id in mailbox_ids:
        poll_mailbox.delay(mailbox_id)
    return len(mailbox_ids)


@shared_task(ignore_result=True)
def poll_mailbox(mailbox_id: int) -> dict:
    """Read one mailbox's new messages; safe to run twice (the ledger and the poll lock, outreach.inbox)."""
    return asdict(inbox.poll(mailbox_id))
