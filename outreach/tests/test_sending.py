import base64
import email
import email.policy

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from leadops import runtime
from leads.models import ActivityLog, Lead
from outreach import locks, sending, tasks
from outreach.models import EmailDraft, Enrollment, Suppression
from outreach.unsubscribe import read_token

State = EmailDraft.State


@pytest.fixture
def approved(draft_factory, rep):  # type: ignore[no-untyped-def]
    draft = draft_factory(state=State.APPROVED, approved_by=rep, approved_at=timezone.now())
    draft.lead.status = Lead.Status.QUALIFIED
    draft.lead.save()
    return draft


def test_mock_mode_stores_the_rendered_message_and_sends_nothing(approved, smtp_server):
    assert sending.send(approved.pk) == "sent"
    approved.refresh_from_db()
    assert (approved.state, approved.sent_in_mock) == (State.SENT, True)
    assert smtp_server.recorder.messages == []
    logged = approved.lead.activities.get(type=ActivityLog.Type.EMAIL_SENT)
    stored = email.message_from_string(logged.payload["message"], policy=email.policy.default)
    assert stored["Message-ID"] == approved.message_id
    assert stored["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert settings.SENDER_POSTAL_ADDRESS in stored.get_content()


def test_smtp_mode_delivers_with_footer_and_one_click_unsubscribe_headers(approved, smtp_mode):
    assert sending.send(approved.pk) == "sent"
    approved.refresh_from_db()
    [message] = smtp_mode.recorder.messages
    assert message["To"] == approved.lead.email
    assert message["Message-ID"] == approved.message_id and approved.message_id.startswith("<")
    # A long header is folded onto a continuation line; the value is the same.
    assert message["List-Unsubscribe"].strip().startswith(f"<{settings.SITE_URL}/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_content().replace("\r\n", "\n")
    assert text.startswith(approved.body) and settings.SENDER_POSTAL_ADDRESS in text
    assert message["List-Unsubscribe"].strip().strip("<>") in text
    assert (approved.state, approved.sent_in_mock) == (State.SENT, False)


def test_the_unsubscribe_link_in_a_sent_email_does_not_carry_the_address_in_any_readable_form(approved, smtp_mode):
    sending.send(approved.pk)
    [message] = smtp_mode.recorder.messages
    link = message["List-Unsubscribe"].strip().strip("<>")
    token = link.rpartition("/unsubscribe/")[2]
    address = approved.lead.email.lower().encode()
    assert address.decode() not in link.lower()
    # No reading of the token as base64, from any starting character, gives the address back.
    for part in token.split("."):
        for start in range(4):
            piece = part[start:]
            decoded = base64.urlsafe_b64decode(piece[: len(piece) - len(piece) % 4])
            assert address not in decoded.lower()
    assert read_token(token) == approved.lead.email.lower()


def test_a_sent_first_touch_marks_the_lead_contacted_and_enrolls_it(approved):
    sending.send(approved.pk)
    approved.lead.refresh_from_db()
    assert approved.lead.status == Lead.Status.CONTACTED
    enrollment = Enrollment.objects.get(lead=approved.lead)
    # The value proposition waits two working days (the tests' send window opens every day).
    assert enrollment.next_due_at == approved.lead.drafts.get().sent_at + timezone.timedelta(days=2)
    assert (enrollment.last_step_position, approved.lead.drafts.get().sequence_step.position) == (1, 1)


def test_sending_twice_sends_once(approved, smtp_mode):
    assert sending.send(approved.pk) == "sent"
    assert sending.send(approved.pk) == "skipped: sent"
    assert len(smtp_mode.recorder.messages) == 1


def test_an_address_suppressed_after_approval_is_not_sent(approved, smtp_mode):
    Suppression.objects.create(email=approved.lead.email.upper(), reason=Suppression.Reason.UNSUBSCRIBED)
    assert sending.send(approved.pk) == "cancelled: suppressed"
    approved.refresh_from_db()
    assert approved.state == State.CANCELLED and "suppression list" in approved.failure_reason
    assert smtp_mode.recorder.messages == []


def test_the_lint_runs_again_before_sending(approved, smtp_mode):
    runtime.update({"PROHIBITED_TERMS": "next week"})
    assert sending.send(approved.pk) == "failed"
    approved.refresh_from_db()
    assert approved.state == State.FAILED
    assert approved.failure_reason == "Compliance check failed: Uses the prohibited term 'next week'."
    assert smtp_mode.recorder.messages == []


def test_a_refused_recipient_fails_the_draft_and_suppresses_the_address(approved, smtp_mode):
    smtp_mode.recorder.refuse_recipients_with = "550 5.1.1 User unknown"
    assert sending.send(approved.pk) == "failed"
    approved.refresh_from_db()
    assert approved.state == State.FAILED and "550" in approved.failure_reason
    assert Suppression.objects.get(email=approved.lead.email).reason == Suppression.Reason.BOUNCED


def test_a_temporary_server_error_retries_later_with_the_same_message_id(approved, smtp_mode):
    smtp_mode.recorder.refuse_data_with = "451 4.3.0 Try again later"
    assert sending.send(approved.pk) == "retrying"
    approved.refresh_from_db()
    first_id = approved.message_id
    assert approved.state == State.APPROVED and approved.send_after > timezone.now()
    assert "retrying" in approved.deferred_reason
    smtp_mode.recorder.refuse_data_with = ""
    approved.send_after = timezone.now()
    approved.save()
    assert sending.send(approved.pk) == "sent"
    assert smtp_mode.recorder.message_ids() == [first_id]


def test_a_row_left_sending_by_a_dead_worker_is_failed_not_resent(approved, smtp_mode):
    EmailDraft.objects.filter(pk=approved.pk).update(state=State.SENDING, claimed_at=timezone.now(),
                                                     message_id="<lost@example.com>")
    assert sending.send(approved.pk) == "interrupted"
    approved.refresh_from_db()
    assert approved.state == State.FAILED
    assert "<lost@example.com>" in approved.failure_reason and "not resent" in approved.failure_reason
    assert smtp_mode.recorder.messages == []


def test_a_row_another_live_process_is_sending_is_left_alone(approved):
    EmailDraft.objects.filter(pk=approved.pk).update(state=State.SENDING, claimed_at=timezone.now())
    approved.refresh_from_db()
    params = connection.get_connection_params()
    other = psycopg.connect(dbname=params["dbname"], user=params.get("user"), host=params.get("host"),
                            port=params.get("port"), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [locks.send_lock_key(approved.pk)])
        assert sending.send(approved.pk) == "skipped: being sent"
    finally:
        other.close()
    approved.refresh_from_db()
    assert approved.state == State.SENDING


def test_the_beat_closes_out_sends_abandoned_long_ago_but_not_recent_ones(approved, draft_factory):
    recent = draft_factory(state=State.SENDING, claimed_at=timezone.now())
    EmailDraft.objects.filter(pk=approved.pk).update(
        state=State.SENDING, claimed_at=timezone.now() - sending.INTERRUPTED_AFTER - timezone.timedelta(minutes=1))
    assert tasks.recover_interrupted_sends() == 1
    assert EmailDraft.objects.get(pk=approved.pk).state == State.FAILED
    assert EmailDraft.objects.get(pk=recent.pk).state == State.SENDING


def test_the_beat_picks_up_an_approved_email_whose_task_was_lost(approved):
    EmailDraft.objects.filter(pk=approved.pk).update(approved_at=timezone.now() - timezone.timedelta(minutes=6))
    assert tasks.send_due_drafts() == 1
    assert EmailDraft.objects.get(pk=approved.pk).state == State.SENT


def test_every_outreach_beat_entry_names_a_registered_task():
    from leadops.celery import app

    entries = {name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
               if name.startswith("outreach-")}
    assert len(entries) == 5
    assert all(task in app.tasks for task in entries.values())
