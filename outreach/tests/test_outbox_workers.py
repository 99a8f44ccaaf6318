"""The outbox under real concurrency: a real Celery worker (two prefork processes) on PostgreSQL + Redis."""

import os
import signal
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import wait_for
from leadops import runtime
from leads.models import ActivityLog
from outreach import approval, sending
from outreach.models import EmailDraft
from outreach.sending import send_draft

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
State = EmailDraft.State


@pytest.fixture
def outbox_worker(smtp_server, monkeypatch, request):  # type: ignore[no-untyped-def]
    """The worker process, with its EMAIL_HOST/PORT on the test SMTP server and the send window always open."""
    monkeypatch.setenv("EMAIL_HOST", smtp_server.host)
    monkeypatch.setenv("EMAIL_PORT", str(smtp_server.port))
    monkeypatch.setenv("SEND_WINDOW_DAYS", "mon,tue,wed,thu,fri,sat,sun")
    monkeypatch.setenv("SEND_WINDOW_HOURS", "00:00-24:00")
    # Real sends need the company's own footer (outreach.compliance.not_ready_for_real_sends).
    monkeypatch.setenv("SENDER_POSTAL_ADDRESS", "Northwind Labs Ltd., 12 Harbour Road, Leith EH6 6AB, UK")
    monkeypatch.setenv("SENDER_COMPANY_NAME", "Northwind Labs")
    return request.getfixturevalue("celery_worker")


def _sent_per_draft() -> Counter:
    return Counter(
        ActivityLog.objects.filter(type=ActivityLog.Type.EMAIL_SENT).values_list("payload__draft", flat=True)
    )


def test_each_approved_email_goes_out_once_when_approve_and_send_are_clicked_twice(
    outbox_worker, smtp_server, draft_factory, rep
):
    runtime.update({"EMAIL_MODE": "smtp", "SEND_PER_DAY": 1000, "SEND_PER_MINUTE": 1000})
    drafts = [draft_factory() for _ in range(24)]
    for draft in drafts:
        approval.approve(draft, rep)
        approval.approve(draft, rep)
        send_draft.delay(str(draft.pk))
        send_draft.delay(str(draft.pk))
    assert wait_for(lambda: EmailDraft.objects.filter(state=State.SENT).count() == len(drafts), timeout=60)
    stored_ids = sorted(EmailDraft.objects.values_list("message_id", flat=True))
    assert sorted(smtp_server.recorder.message_ids()) == stored_ids
    assert set(_sent_per_draft().values()) == {1}


def test_concurrent_workers_never_overshoot_the_per_minute_quota(outbox_worker, draft_factory, rep):
    runtime.update({"SEND_PER_MINUTE": 5})
    drafts = [draft_factory() for _ in range(12)]
    for draft in drafts:
        approval.approve(draft, rep)
        send_draft.delay(str(draft.pk))

    def settled() -> bool:
        return not EmailDraft.objects.filter(
            state__in=(State.APPROVED, State.SENDING), send_after__isnull=True
        ).exists()

    assert wait_for(settled, timeout=60)
    assert EmailDraft.objects.filter(state=State.SENT).count() == 5
    deferred = EmailDraft.objects.filter(state=State.APPROVED)
    assert deferred.count() == 7
    assert {draft.deferred_reason for draft in deferred} == {"Over the mailbox quota: 5 per minute"}
    assert all(draft.send_after > timezone.now() for draft in deferred)


def _worker_children(worker_pid: int) -> list[int]:
    children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_a_worker_killed_mid_send_is_not_sent_again_when_the_task_is_redelivered(
    outbox_worker, smtp_server, draft_factory, rep
):
    runtime.update({"EMAIL_MODE": "smtp"})
    recorder = smtp_server.recorder
    recorder.release.clear()  # the server takes the message but does not answer: a send in flight
    draft = draft_factory()
    approval.approve(draft, rep)
    assert wait_for(recorder.data_started.is_set, timeout=30)
    assert EmailDraft.objects.get(pk=draft.pk).state == State.SENDING
    for pid in _worker_children(outbox_worker.pid):
        os.kill(pid, signal.SIGKILL)
    # Celery redelivers the task (acks_late + reject_on_worker_lost); the new process sees the dead sender.
    assert wait_for(lambda: EmailDraft.objects.get(pk=draft.pk).state == State.FAILED, timeout=60)
    recorder.release.set()
    draft.refresh_from_db()
    assert "Interrupted mid-send" in draft.failure_reason and draft.message_id in draft.failure_reason
    assert sending.send(draft.pk) == "skipped: failed"
    # Another click on send, then a fresh email behind it: only the fresh one reaches the server.
    send_draft.delay(str(draft.pk))
    fresh = draft_factory()
    approval.approve(fresh, rep)
    assert wait_for(lambda: EmailDraft.objects.get(pk=fresh.pk).state == State.SENT, timeout=30)
    fresh.refresh_from_db()
    # The interrupted copy may or may not have been accepted before the kill, but never twice.
    assert recorder.message_ids().count(draft.message_id) <= 1
    assert fresh.message_id in recorder.message_ids()
    assert _sent_per_draft()[str(draft.pk)] == 0
