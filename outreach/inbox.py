"""Reading a mailbox: poll its IMAP folder and hand each new message to `replies.receive`, exactly once.

How "exactly once" holds across restarts and crashes:

1. The folder's UIDVALIDITY is kept on the Mailbox. When the server changes it (the folder was
   recreated), UIDs start again and so does the reading; the ledger tells the two apart.
2. Each message's ledger row (InboundMessage, unique per mailbox, UIDVALIDITY and UID) is written in the
   transaction that acts on it. A worker killed before the commit leaves neither the row nor the effect;
   after it, the row says the message is done and the next poll skips it.
3. Only after that commit is the message flagged on the server (the $LeadOpsProcessed keyword, which
   leaves a person's \\Seen alone), and `last_uid` advanced over the messages that are done.
4. One poller per mailbox at a time (`locks.polling`): overlapping beat ticks never read one message twice.

Bad input never stops the folder: a message that cannot be read is recorded as failed with the reason and
tried again on the next polls, up to MAX_ATTEMPTS, and never flagged. At most MAX_READ_BYTES of a message
are fetched, so a 20 MB attachment is never downloaded. A server that drops the connection or answers
slower than IMAP_TIMEOUT ends the poll with the reason on the Mailbox; what was done stays done,
and a poll stops after POLL_TIME_BUDGET so the job is never stuck.
"""

import imaplib
import logging
import re
import ssl
import time
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from leads.addresses import ADDRESS_IN_TEXT, email_domain, is_free_mail
from leads.models import Lead
from outreach import credentials, locks, mime, replies
from outreach.models import Enrollment, InboundMessage, Mailbox
from outreach.stopping import stop

logger = logging.getLogger(__name__)

PROCESSED_FLAG = "$LeadOpsProcessed"
MAX_READ_BYTES = 1_000_000
MAX_ATTEMPTS = 3
FETCH_BATCH = 50
POLL_TIME_BUDGET = 300.0
# Seconds one IMAP command may take; a slower server ends the poll rather than hold the worker.
IMAP_TIMEOUT = 30.0
_FETCH_ITEM = re.compile(rb"UID (\d+)")
_SIZE_ITEM = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class PollResult:
    mailbox: str
    read: int = 0
    matched: int = 0
    unmatched: int = 0
    failed: int = 0
    already_done: int = 0
    error: str = ""
    skipped: bool = False


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A signed-in IMAP connection to the mailbox's server (the secret goes nowhere else)."""
    timeout = IMAP_TIMEOUT
    context = ssl.create_default_context()
    if mailbox.imap_security == Mailbox.Security.SSL:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, ssl_context=context,
                                                  timeout=timeout)
    else:
        client = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
        if mailbox.imap_security == Mailbox.Security.STARTTLS:
            client.starttls(context)
    secret = credentials.decrypt(mailbox.imap_secret)
    username = mailbox.imap_username or mailbox.email
    if mailbox.auth == Mailbox.Auth.XOAUTH2:
        client.authenticate("XOAUTH2", lambda _: f"user={username}\x01auth=Bearer {secret}\x01\x01".encode())
    else:
        client.login(username, secret)
    return client


def poll(mailbox_id: int, *, time_budget: float = POLL_TIME_BUDGET) -> PollResult:
    """Read the new messages of one mailbox's folder; what happened, for logs, tests and the bench."""
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    result = PollResult(mailbox.name)
    with locks.polling(mailbox.pk) as ours:
        if not ours:
            result.skipped = True
            return result
        try:
            client = connect(mailbox)
        except (imaplib.IMAP4.error, OSError, credentials.CredentialsUnreadable) as error:
            result.error = f"Could not sign in to {mailbox.imap_host}: {_reason(error)}"
        else:
            try:
                _read_folder(client, mailbox, result, time.monotonic() + time_budget)
            except (imaplib.IMAP4.error, OSError) as error:  # imaplib's abort, a timeout, a dropped connection
                result.error = f"The IMAP server {mailbox.imap_host} stopped answering: {_reason(error)}"
            finally:
                _close(client)
    if result.error:
        logger.warning("Mailbox %s: %s", mailbox.pk, result.error)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_poll_error=result.error[:500])
    return result


def _reason(error: Exception) -> str:
    text = error.args[0] if error.args else type(error).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return (str(text) or type(error).__name__)[:300]


def _close(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass  # the connection is going away either way


def _read_folder(client: imaplib.IMAP4, mailbox: Mailbox, result: PollResult, deadline: float) -> None:
    folder = mailbox.imap_folder or "INBOX"
    status, data = client.select(_quoted(folder))
    if status != "OK":
        raise imaplib.IMAP4.error(f"the folder {folder!r} cannot be opened ({_reason(Exception(*data))})")
    uid_validity = int(client.response("UIDVALIDITY")[1][0] or 0)
    flags = b" ".join(part for part in client.response("PERMANENTFLAGS")[1] if part)
    keywords = b"\\*" in flags or PROCESSED_FLAG.encode() in flags
    if mailbox.uid_validity != uid_validity:
        mailbox.uid_validity, mailbox.last_uid = uid_validity, 0
        Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=uid_validity, last_uid=0)
    criteria = [f"UID {mailbox.last_uid + 1}:*"] + (["UNKEYWORD", PROCESSED_FLAG] if keywords else [])
    status, data = client.uid("SEARCH", None, *criteria)
    # "n:*" always names the newest message, even one below n.
    uids = sorted(uid for uid in (int(item) for item in (data[0] or b"").split()) if uid > mailbox.last_uid)
    settled_up_to, blocked = mailbox.last_uid, False
    for start in range(0, len(uids), FETCH_BATCH):
        if time.monotonic() > deadline:
            break
        batch = uids[start:start + FETCH_BATCH]
        done, given_up = _read_batch(client, mailbox, uid_validity, batch, result)
        if done and keywords:
            client.uid("STORE", ",".join(str(uid) for uid in done), "+FLAGS.SILENT", f"({PROCESSED_FLAG})")
        for uid in batch:
            if blocked or (uid not in done and uid not in given_up):
                blocked = True  # a message to try again holds last_uid below it
                continue
            settled_up_to = uid
        if settled_up_to > mailbox.last_uid:
            mailbox.last_uid = settled_up_to
            Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=settled_up_to)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_batch(client: imaplib.IMAP4, mailbox: Mailbox, uid_validity: int, uids: list[int],
                result: PollResult) -> tuple[set[int], set[int]]:
    """Act on each message of the batch; the UIDs now done (to flag) and those given up on."""
    ledger = {row["uid"]: row for row in InboundMessage.objects.filter(
        mailbox=mailbox, uid_validity=uid_validity, uid__in=uids).values("uid", "status", "attempts")}
    done = {uid for uid, row in ledger.items() if row["status"] != InboundMessage.Status.FAILED}
    given_up = {uid for uid, row in ledger.items()
                if row["status"] == InboundMessage.Status.FAILED and row["attempts"] >= MAX_ATTEMPTS}
    result.already_done += len(done)
    wanted = [uid for uid in uids if uid not in done and uid not in given_up]
    if not wanted:
        return done, given_up
    status, data = client.uid("FETCH", ",".join(map(str, wanted)), f"(UID RFC822.SIZE BODY.PEEK[]<0.{MAX_READ_BYTES}>)")
    for item in data:
        if not isinstance(item, tuple):
            continue
        uid_match = _FETCH_ITEM.search(item[0])
        if not uid_match:
            continue
        uid = int(uid_match.group(1))
        size_match = _SIZE_ITEM.search(item[0])
        size = int(size_match.group(1)) if size_match else len(item[1])
        outcome = _read_one(mailbox, uid_validity, uid, item[1], size, ledger.get(uid), result)
        if outcome == "done":
            done.add(uid)
        elif outcome == "given up":
            given_up.add(uid)
    return done, given_up


def _read_one(mailbox: Mailbox, uid_validity: int, uid: int, raw: bytes, size: int,
              earlier: dict[str, Any] | None, result: PollResult) -> str:
    result.read += 1
    attempts = (earlier["attempts"] + 1) if earlier else 1
    try:
        message = mime.parse(raw)
    except (ValueError, ValidationError) as error:
        return _failed(mailbox, uid_validity, uid, attempts, f"Unreadable message: {_reason(error)}", result)
    if size > MAX_READ_BYTES:
        logger.info("Mailbox %s: message %s is %s bytes; read its first %s", mailbox.pk, uid, size, MAX_READ_BYTES)
    try:
        with transaction.atomic():
            fields = {"status": InboundMessage.Status.PROCESSED, "attempts": attempts, "error": "",
                      "message_id": message.message_id, "sender": message.sender, "subject": message.subject}
            if earlier is None:
                row = InboundMessage.objects.create(mailbox=mailbox, uid_validity=uid_validity, uid=uid, **fields)
            else:
                row, _ = InboundMessage.objects.update_or_create(mailbox=mailbox, uid_validity=uid_validity, uid=uid,
                                                                 defaults=fields)
            received = replies.receive(message, delivery=f"imap:{mailbox.pk}:{uid_validity}:{uid}")
            row.lead_id, row.classification = received.lead_id, received.classification
            if received.lead_id is None:
                # Kept for a person to look at, never guessed onto a lead.
                row.status, row.text = InboundMessage.Status.UNMATCHED, message.text[:5000]
                if mailbox.stop_company_on_reply:
                    _colleague_replied(message)
            row.save(update_fields=["lead", "classification", "status", "text", "updated_at"])
    except IntegrityError:
        return "done"  # another poller wrote it first (the lock makes this rare)
    except Exception as error:  # one bad message must not stop the folder: logged, recorded, tried again
        logger.exception("Mailbox %s: message %s could not be processed", mailbox.pk, uid)
        return _failed(mailbox, uid_validity, uid, attempts, f"Could not be processed: {_reason(error)}", result)
    if row.status == InboundMessage.Status.UNMATCHED:
        result.unmatched += 1
    else:
        result.matched += 1
    return "done"


def _failed(mailbox: Mailbox, uid_validity: int, uid: int, attempts: int, reason: str, result: PollResult) -> str:
    result.failed += 1
    logger.warning("Mailbox %s: message %s: %s (attempt %s)", mailbox.pk, uid, reason, attempts)
    InboundMessage.objects.update_or_create(
        mailbox=mailbox, uid_validity=uid_validity, uid=uid,
        defaults={"status": InboundMessage.Status.FAILED, "attempts": attempts, "error": reason[:500]})
    return "given up" if attempts >= MAX_ATTEMPTS else "failed"


def _colleague_replied(message: replies.InboundEmail) -> None:
    """A reply from someone else at a lead's company stops its sequences (Mailbox.stop_company_on_reply)."""
    if message.bounce or message.auto_reply:
        return
    addresses = ADDRESS_IN_TEXT.findall(message.sender)
    domain = email_domain(addresses[0]) if addresses else ""
    if not domain or is_free_mail(domain):
        return
    colleagues = Lead.objects.filter(email__iendswith="@" + domain, enrollments__status__in=Enrollment.OPEN_STATUSES)
    for lead in colleagues.distinct():
        stop(lead, f"{addresses[0]}, at the same company, replied")
