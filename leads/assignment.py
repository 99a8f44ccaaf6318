"""Giving leads an owner: one lead, a selection or a filter's whole result, in bulk.

Each lead whose owner changes gets an OWNER_CHANGED entry on its timeline (from whom, to whom, why); leads that
already had that owner are left alone and not counted.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leads.models import ActivityLog, Lead
from leads.signals import announce_leads_changed

BATCH = 1000


def person_name(user: Any) -> str:
    """How the pages name a rep: their full name, else their user name."""
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def assign(leads: QuerySet[Lead] | Iterable[Lead], owner: Any, by: Any, *, reason: str = "") -> int:
    """Make `owner` (a user, or None to unassign) the owner of these leads; returns how many changed.

    `by` is the person who did it, or a label for a program ("assignment rules").
    """
    owner_id = owner.pk if owner is not None else None
    if isinstance(leads, QuerySet):
        others = leads.exclude(owner_id=owner_id) if owner_id is not None else leads.filter(owner__isnull=False)
        ids = list(others.values_list("pk", flat=True))
    else:
        ids = [lead.pk for lead in leads]
    actor = by if getattr(by, "is_authenticated", False) else None
    actor_label = "user" if actor is not None else (by if isinstance(by, str) and by else "system")[:50]
    changed = 0
    for start in range(0, len(ids), BATCH):
        changed += _assign_batch(ids[start:start + BATCH], owner, actor, actor_label, reason)
    if changed:
        announce_leads_changed()
    return changed


def _assign_batch(ids: list[Any], owner: Any, actor: Any, actor_label: str, reason: str) -> int:
    owner_id = owner.pk if owner is not None else None
    with transaction.atomic():
        # Locked, so two managers assigning the same leads at once record each change once.
        locked = Lead.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("owner")
        rows = [lead for lead in locked if lead.owner_id != owner_id]
        if not rows:
            return 0
        Lead.objects.filter(pk__in=[lead.pk for lead in rows]).update(owner_id=owner_id, updated_at=timezone.now())
        ActivityLog.objects.bulk_create(
            (ActivityLog(lead=lead, type=ActivityLog.Type.OWNER_CHANGED, actor=actor, actor_label=actor_label,
                         payload={"from": person_name(lead.owner), "to": person_name(owner), "reason": reason})
             for lead in rows), batch_size=BATCH)
    return len(rows)
