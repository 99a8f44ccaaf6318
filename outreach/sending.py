"""The outbox: sends an approved EmailDraft at most once, in mock or SMTP mode (`leadops.mail`).

State machine of a draft (see EmailDraft): draft -> approved -> sending -> sent, with
rejected / cancelled / failed as ends. This module owns approved -> sending -> sent | failed |
cancelled; `outreach.approval` owns the steps before. A sent first touch enrolls the lead in
the follow-up sequence (`sequences.enroll`), in the transaction that marks it sent.

The outbox runs as one task, `send_draft`, defined here beside the outbox it drives (as pretix
keeps its mail_send_task in its mail service): approval queues it, and the beat glue in
`outreach.tasks` sits above approval.

How "at most once" holds:

1. Claim. Under the mailbox lock (`locks.hold_mailbox_lock`) the quotas are checked and the row
   is claimed with a conditional UPDATE (state approved -> sending). Only one of any number of
   tasks, workers or double clicks gets an update count of 1; the others return "skipped".
2. Message-ID first. The Message-ID is made and stored in the same UPDATE, before anything leaves,
   so every trace of a delivery (mailbox, reply threading, a bounce) names this row.
3. Who is still sending? The claiming process holds the row's send lock (`locks.hold_send_lock`)
   for the whole delivery. A database connection dies with its process, and the lock with it,
   so a later task that finds the row in "sending" can tell a live sender (lock taken: leave it
   alone) from a dead one (lock free).
4. A row whose sender died mid-send is never sent again automatically: the SMTP server may or
   may not have accepted the message before the worker died, and a duplicate in a prospect's
   inbox is worse than a missing follow-up. It is marked failed with the Message-ID and a reason
   asking a person to check the Sent folder. This happens when Celery redelivers the task after
   the worker was lost (acks_late + reject_on_worker_lost), or from the `recover_interrupted_sends`
   beat task for rows older than INTERRUPTED_AFTER.

Sending as the rep: the draft goes out from the lead's mailbox (`outreach.mailboxes`: its name and
address, reply-to, signature and SMTP account, within its caps), threaded on the lead's earlier emails.
SMTP mode sends nothing while the footer still holds the install's placeholder address
(`compliance.not_ready_for_real_sends`); the draft waits, approved, with the reason shown.

Transient SMTP errors (server unreachable, 4xx) put the row back to approved with a retry time,
up to MAX_ATTEMPTS; permanent ones (5xx) fail it, and a refused recipient is suppressed as bounced.
"""

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid, parseaddr
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from leadops import mail
from leads.models import ActivityLog, Lead
from outreach import locks, mailboxes, quotas, sequences, tracking
from outreach.compliance import LintResult, footer_for, lint, not_ready_for_real_sends
from outreach.credentials import CredentialsUnreadable
from outreach.models import EmailDraft, Mailbox, Suppression
from outreach.signals import announce, email_sent
from outreach.suppression import suppress, suppression_for
from outreach.unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)
State = EmailDraft.State

MAX_ATTEMPTS = 4
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
INTERRUPTED_AFTER = timedelta(minutes=10)


def transition(draft_id: Any, from_states: tuple[str, ...], to_state: str, **fields: Any) -> bool:
    """Conditional UPDATE: move the row only if it is still in one of `from_states`."""
    return bool(
        EmailDraft.objects.filter(pk=draft_id, state__in=from_states).update(
            state=to_state, updated_at=timezone.now(), **fields
        )
    )


def where_it_stands(draft: EmailDraft) -> str:
    """What a person who just approved this draft is told: sent, or when it will go and why not now."""
    draft.refresh_from_db()
    if draft.state == State.SENT:
        return "Approved and sent" + (" (mock mode: stored, never really sent)." if draft.sent_in_mock else ".")
    if draft.state in (State.CANCELLED, State.FAILED):
        return f"Approved, but not sent: {draft.failure_reason or draft.get_state_display().lower()}"
    if draft.state == State.SENDING:
        return "Approved: it is being sent now."
    now = timezone.now()
    window = quotas.Window.for_lead(draft.lead)
    if draft.send_after and draft.send_after > now:
        until, reason = draft.send_after, draft.deferred_reason
    else:
        # The send task has not run yet (a worker picks it up): say now whether a quota or the window will hold it.
        deferral = quotas.check(draft.recipient, draft.lead_id, now, draft.mailbox or mailboxes.for_lead(draft.lead),
                                within_window=draft.window_waived_by_id is None, window=window)
        if deferral is None:
            return "Approved: the email goes out in a moment."
        until, reason = deferral.until, deferral.reason
    # In the recipient's time, which the window keeps.
    zone = window.zone
    return (f"Approved. It waits until {timezone.localtime(until, zone):%a %d %b %H:%M %Z}: "
            f"{reason[:1].lower()}{reason[1:]}.")


def build_message(draft: EmailDraft, to_email: str, footer: str, mailbox: Mailbox | None = None) -> EmailMessage:
    unsubscribe = unsubscribe_url(to_email)
    signature = mailboxes.signature(mailbox)
    message = EmailMessage(
        subject=draft.subject,
        body=f"{draft.body.rstrip()}\n\n" + (f"{signature}\n\n" if signature else "") + f"-- \n{footer}\n",
        from_email=mailboxes.from_header(mailbox),
        to=[to_email],
        reply_to=[mailbox.reply_to] if mailbox and mailbox.reply_to else None,
        headers={
            "Message-ID": draft.message_id,
            **mailboxes.thread_headers(draft),
            # RFC 8058: mail providers show an unsubscribe button that POSTs to this URL.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    return tracking.with_tracking(draft, message, unsubscribe)


def make_message_id(mailbox: Mailbox | None = None) -> str:
    address = mailbox.email if mailbox else parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return make_msgid(domain=address.rpartition("@")[2] or "leadops.local")


# The task keeps the name it had in outreach/tasks.py, so messages queued before a deploy still find it.
@shared_task(name="outreach.tasks.send_draft", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_draft(draft_id: str) -> str:
    """The outbox task: send one draft (queued on approval and by the outbox beat)."""
    return send(draft_id)


def send(draft_id: Any) -> str:
    """Send one approved draft if it is due; returns what happened (for logs and tests)."""
    draft = EmailDraft.objects.select_related("lead").filter(pk=draft_id).first()
    if draft is None:
        return "missing"
    if draft.state == State.SENDING:
        return recover_if_interrupted(draft)
    if draft.state != State.APPROVED:
        return f"skipped: {draft.state}"
    now = timezone.now()
    if draft.send_after and draft.send_after > now:
        return "deferred"
    to_email = draft.recipient
    footer = footer_for(to_email) if "@" in to_email else ""
    checked = lint(draft.subject, draft.body, footer)
    refusal = _refusal(draft, to_email, checked)
    if refusal:
        return refusal
    not_ready = not_ready_for_real_sends()
    if not_ready:
        # Held, not failed: it goes out once the setting is fixed (the outbox beat asks again).
        EmailDraft.objects.filter(pk=draft.pk, state=State.APPROVED).update(
            send_after=now + RETRY_DELAYS[0], deferred_reason=not_ready[:200])
        return "held: footer not set"
    mailbox = draft.mailbox or mailboxes.for_lead(draft.lead)
    with transaction.atomic():
        locks.hold_mailbox_lock()
        now = timezone.now()
        deferral = quotas.check(to_email, draft.lead_id, now, mailbox, within_window=draft.window_waived_by_id is None,
                                window=quotas.Window.for_lead(draft.lead))
        if deferral:
            EmailDraft.objects.filter(pk=draft.pk, state=State.APPROVED).update(
                send_after=deferral.until, deferred_reason=deferral.reason[:200]
            )
            return "deferred"
        message_id = draft.message_id or make_message_id(mailbox)
        claimed = EmailDraft.objects.filter(pk=draft.pk, state=State.APPROVED).update(
            state=State.SENDING, claimed_at=now, send_attempts=F("send_attempts") + 1, message_id=message_id,
            mailbox=mailbox,
            to_email=to_email, send_after=None, deferred_reason="", lint=checked.as_dict(), updated_at=now,
        )
        if not claimed:
            return "skipped: claimed elsewhere"
        locks.hold_send_lock(draft.pk)
    try:
        draft.state, draft.claimed_at, draft.message_id, draft.to_email = State.SENDING, now, message_id, to_email
        draft.send_attempts += 1
        draft.mailbox = mailbox
        return _deliver(draft, to_email, footer)
    finally:
        locks.release_send_lock(draft.pk)


def _refusal(draft: EmailDraft, to_email: str, lint: LintResult) -> str:
    """Checks that stop a send for good: no address, suppressed, blocking lint. '' if none."""
    if "@" not in to_email:
        return _fail(draft, "The lead has no email address.", from_states=(State.APPROVED,))
    blocked = suppression_for(to_email)
    if blocked:
        reason = f"Not sent: {blocked} is on the suppression list."
        if transition(draft.pk, (State.APPROVED,), State.CANCELLED, failure_reason=reason):
            ActivityLog.record(draft.lead, ActivityLog.Type.NOTE, payload={"draft": str(draft.pk), "cancelled": reason})
        return "cancelled: suppressed"
    if lint.blocking:
        return _fail(draft, "Compliance check failed: " + " ".join(lint.blocking), from_states=(State.APPROVED,))
    return ""


def _deliver(draft: EmailDraft, to_email: str, footer: str) -> str:
    message = build_message(draft, to_email, footer, draft.mailbox)
    try:
        mode = mail.deliver(message, **mailboxes.smtp_options(draft.mailbox))
    except CredentialsUnreadable as error:
        return _fail(draft, str(error), from_states=(State.SENDING,))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
            smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPResponseException,
            OSError) as error:
        return _handle_smtp_error(draft, to_email, error)
    now = timezone.now()
    with transaction.atomic():
        if not transition(draft.pk, (State.SENDING,), State.SENT, sent_at=now, sent_in_mock=(mode == mail.MOCK),
                          failure_reason=""):
            # Only a person or the recovery task can move a row out of "sending"; it was delivered anyway.
            logger.error("Draft %s was delivered but is no longer in 'sending'", draft.pk)
        payload: dict[str, Any] = {"draft": str(draft.pk), "variant": draft.variant, "to": to_email,
                                   "subject": draft.subject, "message_id": draft.message_id, "mode": mode,
                                   "from": message.from_email}
        if mode == mail.MOCK:
            # Mock mode keeps the message exactly as it would have left, so it can be read back.
            payload["message"] = message.message().as_string()
        ActivityLog.record(draft.lead, ActivityLog.Type.EMAIL_SENT, payload=payload)
        announce(email_sent, draft_id=draft.pk, lead_id=draft.lead_id)
        _after_sent(draft, now)
    return "sent"


def _after_sent(draft: EmailDraft, sent_at: Any) -> None:
    lead = draft.lead
    if lead.status in Lead.UNCONTACTED_STATUSES:
        previous = lead.status
        Lead.objects.filter(pk=lead.pk, status=previous).update(status=Lead.Status.CONTACTED, updated_at=sent_at)
        ActivityLog.record(lead, ActivityLog.Type.STATUS_CHANGED,
                           payload={"from": previous, "to": Lead.Status.CONTACTED, "reason": "email sent"})
    if draft.enrollment_id:
        sequences.step_sent(draft, sent_at)
    elif draft.variant == EmailDraft.Variant.FIRST_TOUCH:
        sequences.enroll(lead, sent_at, first_touch=draft)


def _handle_smtp_error(draft: EmailDraft, to_email: str, error: Exception) -> str:
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [response[0] for response in error.recipients.values()]
        code = codes[0] if codes else None
    permanent = isinstance(code, int) and 500 <= code < 600
    description = f"{type(error).__name__}: {error}"[:500]
    if permanent:
        outcome = _fail(draft, f"The mail server refused the message ({description}).", from_states=(State.SENDING,))
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            suppress(email=to_email, reason=Suppression.Reason.BOUNCED, source=f"SMTP {code} at send")
        return outcome
    if draft.send_attempts >= MAX_ATTEMPTS:
        return _fail(draft, f"Gave up after {draft.send_attempts} attempts: {description}",
                     from_states=(State.SENDING,))
    # Not accepted by the server: safe to try again later, with the same Message-ID.
    retry_at = timezone.now() + RETRY_DELAYS[min(draft.send_attempts, len(RETRY_DELAYS)) - 1]
    transition(draft.pk, (State.SENDING,), State.APPROVED, send_after=retry_at,
               deferred_reason=f"Mail server unavailable, retrying ({description})"[:200])
    logger.warning("Draft %s not sent (%s); retrying at %s", draft.pk, description, retry_at)
    return "retrying"


def _fail(draft: EmailDraft, reason: str, *, from_states: tuple[str, ...]) -> str:
    if transition(draft.pk, from_states, State.FAILED, failure_reason=reason):
        ActivityLog.record(draft.lead, ActivityLog.Type.ERROR, payload={"draft": str(draft.pk), "error": reason})
    return "failed"


def recover_if_interrupted(draft: EmailDraft) -> str:
    """A task found the row in "sending": leave a live sender alone, close out a dead one."""
    if not locks.try_send_lock(draft.pk, draft.claimed_at, abandoned_before=timezone.now() - INTERRUPTED_AFTER):
        return "skipped: being sent"
    try:
        reason = (
            f"Interrupted mid-send (the worker stopped). It may have been delivered as {draft.message_id}; "
            "it is not resent automatically so nobody gets it twice. Check the Sent folder, and draft it "
            "again if it did not go out."
        )
        return "interrupted" if _fail(draft, reason, from_states=(State.SENDING,)) == "failed" else "skipped"
    finally:
        locks.release_send_lock(draft.pk)


def recover_interrupted_sends() -> int:
    """Beat: close out rows left in "sending" by a worker that died and whose task was never redelivered."""
    stale = EmailDraft.objects.filter(state=State.SENDING, claimed_at__lt=timezone.now() - INTERRUPTED_AFTER)
    return sum(recover_if_interrupted(draft) == "interrupted" for draft in stale.select_related("lead"))

