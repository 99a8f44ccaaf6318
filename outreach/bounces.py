"""Bounces read from their structure: which address bounced, hard or soft, and which email of ours it was.

- RFC 3464 delivery-status notifications (multipart/report; report-type=delivery-status), as Gmail,
  Microsoft 365 / Exchange, Postfix, Exim and most servers send them: each recipient's Action
  ("failed" or "delayed") and Status (5.x.x permanent, 4.x.x transient, RFC 3463), and the returned
  message or its headers (message/rfc822, text/rfc822-headers) holding our Message-ID.
- qmail's plain-text "failure notice", which has no report part: recipients as "<address>:" lines,
  "This is a permanent error" for a hard bounce, and the message copied below "--- Below this line is a
  copy of the message.".

Anything else that looks like a bounce (a mailer-daemon sender, an "Undeliverable" subject) is left to
`outreach.replies`, which reads it from its text.
"""

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from typing import Literal

from leads.addresses import ADDRESS_IN_TEXT
from outreach.mime_text import part_text

_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_QMAIL_MARKER = re.compile(r"this is the qmail-send program|i'm afraid i wasn't able to deliver", re.I)
_QMAIL_RECIPIENT = re.compile(r"^<([^<>\s]+@[^<>\s]+)>:\s*$", re.M)
_QMAIL_COPY = "--- Below this line is a copy of the message."
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")


@dataclass(frozen=True)
class Bounce:
    kind: Literal["hard", "soft"]
    recipient: str
    original_message_id: str
    status: str
    diagnostic: str


def read(message: EmailMessage) -> Bounce | None:
    """The bounce this message reports, or None if its structure shows none."""
    report = _find_part(message, "message/delivery-status")
    if report is not None:
        return _from_report(message, report)
    text = _plain_text(message)
    if _QMAIL_MARKER.search(text):
        return _from_qmail(text)
    return None


def _find_part(message: Message, content_type: str) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == content_type:
            return part
    return None


def _from_report(message: EmailMessage, report: Message) -> Bounce | None:
    blocks = report.get_payload()
    if isinstance(blocks, str):
        # Some servers label the part message/delivery-status but send it as flat text.
        blocks = [HeaderParser().parsestr(chunk) for chunk in re.split(r"\r?\n\s*\r?\n", blocks) if chunk.strip()]
    recipients = [block for block in blocks if isinstance(block, Message) and block.get("Action")]
    if not recipients:
        return None
    # One email of ours has one recipient; where a report lists several, the first failed one counts.
    failed = [block for block in recipients if str(block.get("Action", "")).strip().lower() == "failed"]
    delayed = [block for block in recipients if str(block.get("Action", "")).strip().lower() == "delayed"]
    chosen = (failed or delayed or [None])[0]
    if chosen is None:
        return None  # "delivered", "relayed" or "expanded": a success report, not a bounce
    status_match = _STATUS.search(str(chosen.get("Status", "")))
    status = status_match.group(0) if status_match else ""
    action = str(chosen.get("Action", "")).strip().lower()
    kind: Literal["hard", "soft"] = "hard" if action == "failed" and not status.startswith("4") else "soft"
    recipient_field = str(chosen.get("Final-Recipient") or chosen.get("Original-Recipient") or "")
    recipients_found = ADDRESS_IN_TEXT.findall(recipient_field.rpartition(";")[2] or recipient_field)
    return Bounce(kind, recipients_found[0].lower() if recipients_found else "", _original_message_id(message),
                  status, " ".join(str(chosen.get("Diagnostic-Code", "")).split())[:300])


def _original_message_id(message: EmailMessage) -> str:
    returned = _find_part(message, "message/rfc822")
    if returned is not None:
        inner = returned.get_payload()
        if isinstance(inner, list) and inner and inner[0].get("Message-ID"):
            return str(inner[0]["Message-ID"]).strip()
    headers = _find_part(message, "text/rfc822-headers")
    if headers is not None:
        parsed = HeaderParser().parsestr(part_text(headers))
        if parsed.get("Message-ID"):
            return str(parsed["Message-ID"]).strip()
    return ""


def _from_qmail(text: str) -> Bounce:
    report, _, copy = text.partition(_QMAIL_COPY)
    recipients = _QMAIL_RECIPIENT.findall(report)
    copied_id = re.search(r"^Message-ID:\s*(<[^<>\s]+>)", copy, re.I | re.M)
    status = _STATUS.search(report)
    hard = "permanent error" in report.lower() or bool(status and status.group(1) == "5")
    diagnostic = report.split(":", 1)[-1] if recipients else report
    return Bounce("hard" if hard else "soft", recipients[0].lower() if recipients else "",
                  copied_id.group(1) if copied_id else "", status.group(0) if status else "",
                  " ".join(diagnostic.split())[:300])


def _plain_text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part_text(part)
    return ""
