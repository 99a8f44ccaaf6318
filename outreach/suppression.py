"""The do-not-contact list: is this address suppressed, and adding an address or a domain to it.

A row names one address or a whole domain. Every path that could email someone asks here first:
drafting (no draft for a suppressed address), approval, the outbox just before it sends, and the
follow-up beat. Adding a row takes the leads it covers out of their sequences (`stopping`).
"""

import hashlib
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from outreach.models import Suppression
from outreach.stopping import stop_contacting

# An erased person's address stays on the list only as this prefix and the SHA-256 of the address, so
# they are never contacted again and nobody can read the address back. scoring.pipeline.postgres
# computes the same in SQL.
HASH_PREFIX = "sha256:"
logger = logging.getLogger(__name__)


def address_hash(email: str) -> str:
    return HASH_PREFIX + hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def suppression_for(email: str) -> Suppression | None:
    """The row that blocks this address, if any (by address or its hash first, then by domain)."""
    email = email.strip().lower()
    if "@" not in email:
        return None
    # Address rows have an empty domain, so they sort first.
    return (
        Suppression.objects.filter(Q(email__in=(email, address_hash(email))) | Q(domain=email.rpartition("@")[2]))
        .order_by("domain").first()
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
    # An erased person (a late unsubscribe click, a bounce) is listed already: their address is not stored again.
    erased = Suppression.objects.filter(email=address_hash(email)).first() if email else None
    if erased is not None:
        # A lead who came back after the erasure is stopped like any other (the row is not saved).
        stop_contacting(Suppression(email=email, reason=reason, source=source), actor=actor)
        return erased, False
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


def lift(*, email: str = "", domain: str = "", actor: Any) -> bool:
    """Take an address or a domain off the list (a manager's decision); False when it was not listed.

    An erased person's row (kept only as a hash) is never lifted: they asked to be forgotten, and
    forgetting them includes not writing to them again. Stopped sequences stay stopped; a person restarts
    outreach from the lead page.
    """
    email, domain = email.strip().lower(), domain.strip().lower().lstrip("@")
    if not email and not domain:
        return False
    rows = Suppression.objects.filter(email=email, domain="") if email else Suppression.objects.filter(domain=domain,
                                                                                                         email="")
    deleted, _ = rows.delete()
    if deleted:
        logger.info("suppression lifted", extra={"domain": domain, "by": getattr(actor, "pk", None)})
    return bool(deleted)
