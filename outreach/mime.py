"""A raw message from a mailbox, read into the `InboundEmail` every door hands to `replies.receive`.

Lenient on purpose: mail in the wild has broken headers, unknown charsets and truncated bodies (the
inbox reads at most the first MAX_READ_BYTES of a message, so a 20 MB attachment is never downloaded).
A text part in a charset Python does not know is decoded by charset-normalizer's best guess, and an
HTML-only message is read as its text. What a person wrote is kept without the quoted history below it.
"""

import re
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from outreach import autoreplies, bounces
from outreach.mime_text import html_to_text, part_text
from outreach.replies import MAX_HEADER_LENGTH, InboundEmail, own_words

# Headers the rules read (threading, automatic replies, bounces); the others stay on the server.
KEPT_HEADERS = ("References", "Auto-Submitted", "X-Autoreply", "X-Autorespond", "Precedence", "Content-Type",
                "X-Auto-Response-Suppress", "Return-Path", "List-Id", "X-Failed-Recipients")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
TEXT_LIMIT = 100_000


def clean(text: str, limit: int) -> str:
    """Text a database can store, at most `limit` characters."""
    return _UNSTORABLE.sub("", text)[:limit]


def header(message: Message, name: str) -> str:
    """One header as text; a header too broken to decode is read raw rather than failing the message."""
    try:
        value = message.get(name)
        return "" if value is None else " ".join(str(value).split())
    except Exception:  # the email package raises many kinds on malformed encoded words
        raw = [value for key, value in message.raw_items() if key.lower() == name.lower()]
        return " ".join(str(raw[0]).split()) if raw else ""


def body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        body = next((part for part in message.walk() if part.get_content_maintype() == "text"), None)
    if body is None:
        return ""
    text = part_text(body).replace("\r\n", "\n")
    return html_to_text(text) if body.get_content_subtype() == "html" else text


def parse(raw: bytes) -> InboundEmail:
    """The InboundEmail for one raw RFC 5322 message; raises ValueError for one that names no sender."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    subject = clean(header(message, "Subject"), 1000)
    sender = clean(header(message, "From") or header(message, "Return-Path") or header(message, "Sender"), 320)
    if len(sender) < 3:
        raise ValueError("the message has no From, Sender or Return-Path address")
    text = body_text(message)
    bounce = bounces.read(message)
    kept = {name: clean(header(message, name), MAX_HEADER_LENGTH) for name in KEPT_HEADERS if message.get(name)}
    return InboundEmail.model_validate({
        "from": sender,
        "to": clean(header(message, "To"), 2000),
        "subject": subject,
        # A bounce's whole text is evidence (status codes, the quoted original); a reply's is its own words.
        "text": clean(text if bounce else own_words(text), TEXT_LIMIT),
        "message_id": clean(header(message, "Message-ID"), 998),
        "in_reply_to": clean(header(message, "In-Reply-To"), 998),
        "headers": kept,
        "bounce": bounce.kind if bounce else "",
        "bounced_recipient": clean(bounce.recipient, 320) if bounce else "",
        "original_message_id": clean(bounce.original_message_id, 998) if bounce else "",
        "auto_reply": not bounce and autoreplies.is_automatic(message, subject),
    })
