"""Which mailbox an email goes out from, and how it reads as sent by the rep.

A lead's emails go out from the mailbox its earlier emails went out from (so a sequence keeps one
sender and one thread), else its owner's mailbox, else the team's default; with no mailbox at all
they go out as DEFAULT_FROM_EMAIL through the EMAIL_* server, as before mailboxes existed.
"""

import re
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q

from outreach import credentials
from outreach.models import EmailDraft, Mailbox

_MERGE_FIELD = re.compile(r"\{(name|title|phone|booking_link)\}")
# References grows with every email in a thread; mail clients thread on the first and the last ones.
MAX_REFERENCES = 10


def for_lead(lead: Any) -> Mailbox | None:
    """The mailbox this lead's next email goes out from."""
    earlier = (EmailDraft.objects.filter(lead_id=lead.pk, mailbox__is_active=True, sent_at__isnull=False)
               .order_by("-sent_at").values_list("mailbox_id", flat=True).first())
    if earlier:
        return Mailbox.objects.get(pk=earlier)
    if lead.owner_id:
        owned = Mailbox.objects.filter(owner_id=lead.owner_id, is_active=True).first()
        if owned:
            return owned
    return Mailbox.objects.filter(is_team_default=True, is_active=True).first()


_SIGNERS_KEY = "outreach:mailbox-signers"


def signing_name(lead: Any) -> str:
    """The name a draft for this lead is signed with: its owner's mailbox's, else the team default's.

    Read from a small cached map (owner -> display name), so the qualification pipeline drafts without a
    query of its own; `forget_signers` drops it whenever a mailbox changes.
    """
    signers = cache.get(_SIGNERS_KEY)
    if signers is None:
        signers = {("team" if mailbox.is_team_default else str(mailbox.owner_id)): mailbox.display_name
                   for mailbox in Mailbox.objects.filter(is_active=True).filter(
                       Q(is_team_default=True) | Q(owner__isnull=False))}
        cache.set(_SIGNERS_KEY, signers, timeout=300)
    owner_id = getattr(lead, "owner_id", None)
    return signers.get(str(owner_id)) or signers.get("team") or sender_name(None)


def forget_signers(**kwargs: Any) -> None:
    """post_save / post_delete of a Mailbox (connected in OutreachConfig.ready())."""
    cache.delete(_SIGNERS_KEY)


def sender_name(mailbox: Mailbox | None) -> str:
    if mailbox is not None:
        return mailbox.display_name
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name or address or "The sales team"


def from_header(mailbox: Mailbox | None) -> str:
    return formataddr((mailbox.display_name, mailbox.email)) if mailbox else settings.DEFAULT_FROM_EMAIL


def signature(mailbox: Mailbox | None) -> str:
    """The mailbox's signature with its merge fields filled; a line whose field is empty is left out."""
    if mailbox is None or not mailbox.signature.strip():
        return ""
    values = {"name": mailbox.display_name, "title": mailbox.sender_title, "phone": mailbox.sender_phone,
              "booking_link": mailbox.booking_link}
    lines = []
    for line in mailbox.signature.strip().splitlines():
        fields = _MERGE_FIELD.findall(line)
        if fields and not all(values[field] for field in fields):
            continue
        lines.append(_MERGE_FIELD.sub(lambda match: values[match.group(1)], line))
    return "\n".join(lines).strip()


def thread_headers(draft: EmailDraft) -> dict[str, str]:
    """In-Reply-To and References naming the lead's earlier emails, so the sequence reads as one thread."""
    earlier = list(EmailDraft.objects.filter(lead_id=draft.lead_id, sent_at__isnull=False)
                   .exclude(pk=draft.pk).exclude(message_id="").order_by("sent_at")
                   .values_list("message_id", flat=True))
    if not earlier:
        return {}
    references = earlier if len(earlier) <= MAX_REFERENCES else [earlier[0], *earlier[-(MAX_REFERENCES - 1):]]
    return {"In-Reply-To": earlier[-1], "References": " ".join(references)}


def smtp_options(mailbox: Mailbox | None) -> dict[str, Any]:
    """Connection options for `leadops.mail.deliver`; {} sends through the EMAIL_* server."""
    if mailbox is None or not mailbox.smtp_host:
        return {}
    secret = credentials.decrypt(mailbox.smtp_secret)
    options: dict[str, Any] = {
        "host": mailbox.smtp_host, "port": mailbox.smtp_port, "username": mailbox.smtp_username or mailbox.email,
        "use_tls": mailbox.smtp_security == Mailbox.Security.STARTTLS,
        "use_ssl": mailbox.smtp_security == Mailbox.Security.SSL,
    }
    if mailbox.auth == Mailbox.Auth.XOAUTH2:
        options["oauth2_token"] = secret
    else:
        options["password"] = secret
    return options
