"""The outbox: sends an approved EmailDraft at most once, in mock or SMTP mode.

State machine of a draft (see EmailDraft): draft -> approved -> sending -> sent, with
rejected / cancelled / failed as ends. This module owns approved -> sending -> sent | failed |
cancelled; `outreach.approval` owns the steps before.

How "at most once" holds:

1. Claim. Under the mailbox lock (`quotas.hold_mailbox_lock`) the quotas are checked and the row
   is claimed with a conditional UPDATE (state approved -> sending). Only one of any number of
   tasks, workers or double clicks gets an update count of 1; the others return "skipped".
2. Message-ID first. The Message-ID is made and stored in the same UPDATE, before anything leaves,
   so every trace of a delivery (mailbox, reply threading, a bounce) names this row.
3. Who is still sending? The claiming process holds a session-level PostgreSQL advisory lock on
   the row for the whole delivery. A database connection dies with its process, and the lock
   with it, so a later task that finds the row in "sending" can tell a live sender (lock taken:
   leave it alone) from a dead one (lock free).
4. A row whose sender died mid-send is never sent again automatically: the SMTP server may or
   may not have accepted the message before the worker died, and a duplicate in a prospect's
   inbox is worse than a missing follow-up. It is marked failed with the Message-ID and a reason
   asking a person to check the Sent folder. This happens when Celery redelivers the task after
   the worker was lost (acks_late + reject_on_worker_lost), or from the `recover_interrupted_sends`
   beat task for rows older than INTERRUPTED_AFTER.

Transient SMTP errors (server unreachable, 4xx) put the row back to approved with a retry time,
up to MAX_ATTEMPTS; permanent ones (5xx) fail it, and a refused recipient is suppressed as bounced.
"""

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from leadops import runtime
from leads.models import ActivityLog, Lead
from outreach import compliance, quotas
from outreach.models import EmailDraft, Suppression
from outreach.unsubscribe import suppress, suppression_for, unsubscribe_url

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


def enqueue(draft: EmailDraft) -> None:
    """Ask a worker to send this draft once the current transaction commits."""
    from outreach.tasks import send_draft

    send_draft.delay_on_commit(str(draft.pk))


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
    if draft.send_after and draft.send_after > now:
        until, reason = draft.send_after, draft.deferred_reason
    else:
        # The send task has not run yet (a worker picks it up): say now whether a quota or the window will hold it.
        deferral = quotas.check(recipient(draft), draft.lead_id, now)
        if deferral is None:
            return "Approved: the email goes out in a moment."
        until, reason = deferral.until, deferral.reason
    zone = quotas.Window.current().zone
    return f"Approved. It waits until {timezone.localtime(until, zone):%a %d %b %H:%M %Z}: {reason[:1].lower()}{reason[1:]}."


def footer_for(email: str) -> str:
    return render_to_string(
        "emails/footer.txt",
        {"postal_address": runtime.get("SENDER_POSTAL_ADDRESS"), "unsubscribe_url": unsubscribe_url(email)},
    ).strip()


def recipient(draft: EmailDraft) -> str:
    return (draft.to_email or draft.lead.email).strip().lower()


def lint_draft(draft: EmailDraft, subject: str | None = None, body: str | None = None) -> compliance.LintResult:
    """The compliance lint of the message as this recipient would get it."""
    return compliance.lint(
        draft.subject if subject is None else subject,
        draft.body if body is None else body,
        footer_for(recipient(draft) or "unknown@invalid"),
    )


def build_message(draft: EmailDraft, to_email: str, footer: str) -> EmailMessage:
    unsubscribe = unsubscribe_url(to_email)
    return EmailMessage(
        subject=draft.subject,
        body=f"{draft.body.rstrip()}\n\n-- \n{footer}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to_email],
        headers={
            "Message-ID": draft.message_id,
            # RFC 8058: mail providers show an unsubscribe button that POSTs to this URL.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def make_message_id() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "leadops.local"
    return make_msgid(domain=domain)


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
    to_email = recipient(draft)
    footer = footer_for(to_email) if "@" in to_email else ""
    lint = compliance.lint(draft.subject, draft.body, footer)
    refusal = _refusal(draft, to_email, lint)
    if refusal:
        return refusal
    with transaction.atomic():
        quotas.hold_mailbox_lock()
        now = timezone.now()
        deferral = quotas.check(to_email, draft.lead_id, now)
        if deferral:
            EmailDraft.objects.filter(pk=draft.pk, state=State.APPROVED).update(
                send_after=deferral.until, deferred_reason=deferral.reason[:200]
            )
            return "deferred"
        message_id = draft.message_id or make_message_id()
        claimed = EmailDraft.objects.filter(pk=draft.pk, state=State.APPROVED).update(
            state=State.SENDING, claimed_at=now, send_attempts=F("send_attempts") + 1, message_id=message_id,
            to_email=to_email, send_after=None, deferred_reason="", lint=lint.as_dict(), updated_at=now,
        )
        if not claimed:
            return "skipped: claimed elsewhere"
        _hold_draft_lock(draft.pk)
    try:
        draft.state, draft.claimed_at, draft.message_id, draft.to_email = State.SENDING, now, message_id, to_email
        draft.send_attempts += 1
        return _deliver(draft, to_email, footer)
    finally:
        _release_draft_lock(draft.pk)


def _refusal(draft: EmailDraft, to_email: str, lint: compliance.LintResult) -> str:
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
    mode = runtime.get("EMAIL_MODE")
    message = build_message(draft, to_email, footer)
    if mode == "smtp":
        try:
            with get_connection("django.core.mail.backends.smtp.EmailBackend", fail_silently=False) as mailer:
                mailer.send_messages([message])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPResponseException,
                OSError) as error:
            return _handle_smtp_error(draft, to_email, error)
    now = timezone.now()
    with transaction.atomic():
        if not transition(draft.pk, (State.SENDING,), State.SENT, sent_at=now, sent_in_mock=(mode == "mock"),
                          failure_reason=""):
            # Only a person or the recovery task can move a row out of "sending"; it was delivered anyway.
            logger.error("Draft %s was delivered but is no longer in 'sending'", draft.pk)
        payload: dict[str, Any] = {"draft": str(draft.pk), "variant": draft.variant, "to": to_email,
                                   "subject": draft.subject, "message_id": draft.message_id, "mode": mode}
        if mode == "mock":
            # Mock mode keeps the message exactly as it would have left, so it can be read back.
            payload["message"] = message.message().as_string()
        ActivityLog.record(draft.lead, ActivityLog.Type.EMAIL_SENT, payload=payload)
        _after_sent(draft, now)
    return "sent"


def _after_sent(draft: EmailDraft, sent_at: Any) -> None:
    from outreach import sequences

    lead = draft.lead
    if lead.status in Lead.UNCONTACTED_STATUSES:
        previous = lead.status
        Lead.objects.filter(pk=lead.pk, status=previous).update(status=Lead.Status.CONTACTED, updated_at=sent_at)
        ActivityLog.record(lead, ActivityLog.Type.STATUS_CHANGED,
                           payload={"from": previous, "to": Lead.Status.CONTACTED, "reason": "email sent"})
    if draft.variant == EmailDraft.Variant.FIRST_TOUCH:
        sequences.enroll(lead, sent_at)


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
        return _fail(draft, f"Gave up after {draft.send_attempts} attempts: {description}", from_states=(State.SENDING,))
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
    if not _try_draft_lock(draft):
        return "skipped: being sent"
    try:
        reason = (
            f"Interrupted mid-send (the worker stopped). It may have been delivered as {draft.message_id}; "
            "it is not resent automatically so nobody gets it twice. Check the Sent folder, and draft it "
            "again if it did not go out."
        )
        return "interrupted" if _fail(draft, reason, from_states=(State.SENDING,)) == "failed" else "skipped"
    finally:
        _release_draft_lock(draft.pk)


def recover_interrupted_sends() -> int:
    """Beat: close out rows left in "sending" by a worker that died and whose task was never redelivered."""
    stale = EmailDraft.objects.filter(state=State.SENDING, claimed_at__lt=timezone.now() - INTERRUPTED_AFTER)
    return sum(recover_if_interrupted(draft) == "interrupted" for draft in stale.select_related("lead"))


def _lock_key(draft_id: Any) -> int:
    # pg advisory locks take a signed 64-bit key; the low bits of the uuid are random enough.
    return int(str(draft_id).replace("-", ""), 16) & 0x7FFF_FFFF_FFFF_FFFF


def _hold_draft_lock(draft_id: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_key(draft_id)])


def _try_draft_lock(draft: EmailDraft) -> bool:
    if connection.vendor != "postgresql":
        # SQLite runs tasks inline in one process: a row still "sending" after a while was abandoned.
        return bool(draft.claimed_at and draft.claimed_at < timezone.now() - INTERRUPTED_AFTER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(draft.pk)])
        return bool(cursor.fetchone()[0])


def _release_draft_lock(draft_id: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(draft_id)])
