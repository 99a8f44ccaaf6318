"""The do-not-contact list: is this address suppressed, and adding an address or a domain to it.

A row names one address or a whole domain. Every path that could email someone asks here first:
drafting (no draft for a suppressed address), approval, the outbox just before it sends, and the
follow-up beat. Adding a row takes the leads it covers out of their sequences (`stopping`).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from outreach.models import Suppression
from outreach.stopping import stop_contacting


def suppression_for(email: str) -> Suppression | None:
    """The row that blocks this address, if any (by address first, then by domain)."""
    email = email.strip().lower()
    if "@" not in email:
        return None
    # Address rows have an empty domain, so they sort first.
    return (
        Suppression.objects.filter(Q(email=email) | Q(domain=email.rpartition("@")[2])).order_by("domain").first()
    )


def is_suppressed(email: str) -> bool:
    return suppression_for(email) is not None


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
