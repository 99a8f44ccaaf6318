"""Opt-in open and click tracking (EMAIL_TRACKING, off by default: settings.py says why).

With it on, a sent email's links go through a signed redirect (/t/c/<token>) and an HTML part carries a
one-pixel image (/t/o/<token>.gif). Each token is the draft and the link signed with SECRET_KEY, so nobody can
make one that counts for another email or redirects elsewhere; tokens do not expire, as old emails are opened.

Machines open and click too. Where they can be told apart they are stored with counted=False and the reason:
image proxies that fetch every image on delivery (Apple Mail Privacy Protection sends a bare "Mozilla/5.0",
Google's and Yahoo's proxies name themselves), link scanners of mail gateways (named user agents, HEAD requests,
a click within seconds of delivery). What remains is still a lower bound for opens (many people never load
images) and an upper bound for nothing: the reports say so.
"""

import html
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from outreach.models import EmailDraft, TrackingEvent

_SALT = "outreach.tracking"
URL = re.compile(r"https?://[^\s<>\"')\]]+")
# A click this soon after delivery is a gateway scanning the link, not a person reading the email.
SCANNER_SECONDS = 10
# An open this soon after delivery is a proxy or a gateway fetching the image.
PROXY_SECONDS = 2
IMAGE_PROXIES = [("GoogleImageProxy", "Google image proxy"), ("YahooMailProxy", "Yahoo image proxy")]
APPLE_PRIVACY = "Mozilla/5.0"  # all Apple's proxy sends (Mail Privacy Protection)
SCANNERS = re.compile(r"bot|crawl|spider|scan|curl|wget|python-requests|httpx|go-http-client|java/|barracuda|"
                      r"mimecast|proofpoint|safelinks|symantec|forcepoint|microsoft office|ms-office|preview", re.I)


def make_token(draft_id: object, url: str = "") -> str:
    return signing.dumps({"d": str(draft_id), "u": url}, salt=_SALT, compress=True)


def read_token(token: str) -> tuple[str, str]:
    """(draft id, link); raises signing.BadSignature for a made-up or altered token."""
    payload = signing.loads(token, salt=_SALT)
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), str):
        raise signing.BadSignature("The token holds no email.")
    return payload["d"], str(payload.get("u", ""))


def click_url(draft_id: object, url: str) -> str:
    return settings.SITE_URL + reverse("tracking:click", args=[make_token(draft_id, url)])


def pixel_url(draft_id: object) -> str:
    return settings.SITE_URL + reverse("tracking:open", args=[make_token(draft_id)])


def _tracked(draft_id: object, text: str, keep: str) -> str:
    """The text with each link but `keep` (the unsubscribe link, which must work without us) made a redirect."""
    return URL.sub(lambda match: match.group(0) if match.group(0) == keep else click_url(draft_id, match.group(0)),
                   text)


def _html(text: str, pixel: str) -> str:
    linked = URL.sub(lambda match: f'<a href="{match.group(0)}">{match.group(0)}</a>', html.escape(text, quote=False))
    paragraphs = "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in linked.split("\n\n"))
    return f'<html><body>{paragraphs}<img src="{pixel}" width="1" height="1" alt=""></body></html>'


def with_tracking(draft: EmailDraft, message: EmailMessage, unsubscribe: str) -> EmailMessage:
    """`message` with tracked links and, in an HTML part, the pixel; unchanged while tracking is off."""
    if not settings.EMAIL_TRACKING:
        return message
    body = _tracked(draft.pk, message.body, unsubscribe)
    tracked = EmailMultiAlternatives(subject=message.subject, body=body, from_email=message.from_email,
                                     to=message.to, reply_to=message.reply_to, headers=message.extra_headers)
    tracked.attach_alternative(_html(body, pixel_url(draft.pk)), "text/html")
    return tracked


def machine_reason(kind: str, user_agent: str, method: str, sent_at: datetime | None, now: datetime) -> str:
    """Why this open or click was a machine's, or "" when it may have been a person's."""
    since_delivery = (now - sent_at) if sent_at else timedelta.max
    if kind == TrackingEvent.Kind.OPEN:
        for marker, name in IMAGE_PROXIES:
            if marker in user_agent:
                return name
        if user_agent.strip() == APPLE_PRIVACY:
            return "Apple Mail Privacy Protection"
        if since_delivery < timedelta(seconds=PROXY_SECONDS):
            return "loaded on delivery"
        return ""
    if method == "HEAD":
        return "link scanner (checked the link without opening it)"
    if SCANNERS.search(user_agent) or not user_agent.strip():
        return "link scanner"
    if since_delivery < timedelta(seconds=SCANNER_SECONDS):
        return "clicked within seconds of delivery"
    return ""


def record(token: str, kind: str, *, user_agent: str, method: str = "GET") -> str | None:
    """Store one open or click of the email a token names; returns its link (for a click), None if unknown."""
    try:
        draft_id, url = read_token(token)
    except signing.BadSignature:
        return None
    if kind == TrackingEvent.Kind.CLICK and not URL.fullmatch(url):
        return None
    sent_at = EmailDraft.objects.filter(pk=draft_id).values_list("sent_at", flat=True).first()
    if sent_at is None and not EmailDraft.objects.filter(pk=draft_id).exists():
        return url if kind == TrackingEvent.Kind.CLICK else None  # the email was erased; its link still works
    reason = machine_reason(kind, user_agent, method, sent_at, timezone.now())
    TrackingEvent.objects.create(draft_id=draft_id, kind=kind, url=url[:2000], counted=not reason,
                                 filtered_because=reason, user_agent=user_agent[:300])
    return url
