"""Do-not-contact: signed unsubscribe links and adding addresses or domains to the suppression list.

The link carries the address signed with the project's SECRET_KEY (django.core.signing), so the
public page needs no login and cannot be used to unsubscribe someone else. Links never expire:
an unsubscribe request from an old email must still work (CAN-SPAM, RFC 8058).
"""

from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from leads.models import ActivityLog, Lead
from outreach.models import Suppression

UNSUBSCRIBE_PATH = "/unsubscribe/"
_SALT = "outreach.unsubscribe"


def make_token(email: str) -> str:
    return signing.Signer(salt=_SALT).sign_object({"e": email.strip().lower()}, compress=True)


def read_token(token: str) -> str:
    """The address a token was made for; raises signing.BadSignature when it was tampered with."""
    payload = signing.Signer(salt=_SALT).unsign_object(token)
    email = payload.get("e", "") if isinstance(payload, dict) else ""
    if "@" not in email:
        raise signing.BadSignature("The token holds no address.")
    return email


def unsubscribe_url(email: str) -> str:
    return settings.SITE_URL + reverse("outreach:unsubscribe", args=[make_token(email)])


def suppress(
    *, email: str = "", domain: str = "", reason: str, source: str, actor: Any = None, notes: str = ""
) -> tuple[Suppression, bool]:
    """Add an address (or a whole domain) to the suppression list; returns (row, created).

    Leads at that address are taken out of their sequences and their unsent drafts cancelled,
    with the reason on each timeline. Safe to call twice (a second click, a retried hook).
    """
    email, domain = email.strip().lower(), domain.strip().lower().lstrip("@")
    lookup = {"email": email} if email else {"domain": domain}
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                row, created = Suppression.objects.get_or_create(
                    **lookup, defaults={"reason": reason, "source": source, "notes": notes, "created_by": user}
                )
        except IntegrityError:
            # A concurrent request inserted it first.
            row, created = Suppression.objects.get(**lookup), False
        if created:
            stop_contacting(row, actor=actor)
    return row, created


def stop_contacting(row: Suppression, *, actor: Any = None) -> None:
    """Take the leads a new suppression row covers out of their sequences and cancel their unsent drafts."""
    from outreach import sequences

    leads = Lead.objects.filter(email__iexact=row.email) if row.email else Lead.objects.filter(
        email__iendswith="@" + row.domain
    )
    activity = ActivityLog.Type.BOUNCED if row.reason == Suppression.Reason.BOUNCED else ActivityLog.Type.UNSUBSCRIBED
    label = Suppression.Reason(row.reason).label.lower()
    for lead in leads:
        ActivityLog.record(lead, activity, actor=actor, actor_label="system",
                           payload={"suppressed": row.email or "@" + row.domain, "reason": row.reason,
                                    "source": row.source})
        sequences.stop(lead, f"{label} ({row.source})", actor=actor, cancel="all")


def suppression_for(email: str) -> Suppression | None:
    """The row that blocks this address, if any (by address first, then by domain)."""
    email = email.strip().lower()
    if "@" not in email:
        return None
    # Address rows have an empty domain, so they sort first.
    return (
        Suppression.objects.filter(Q(email=email) | Q(domain=email.rpartition("@")[2])).order_by("domain").first()
    )
