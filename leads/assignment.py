"""Giving leads an owner: one lead, a selection or a filter's whole result, in bulk.

Each lead whose owner changes gets an OWNER_CHANGED entry on its timeline (from whom, to whom, why); leads that
already had that owner are left alone and not counted. Assignment rules (`apply_rules`) give new leads an owner
after qualification: the first active rule matching the lead picks the next rep in turn who is under the rule's
cap for the period (counted per rule, as Odoo counts per team member).

Who may give an owner is one rule (`may_assign`), asked by every door a person assigns through: the lead page,
the dashboard's selection and filter result, a list, the worker that runs a large filter, and the assistant.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import QueryDict
from django.utils import timezone

from leadops import jobs
from leadops.roles import has_role, is_manager
from leads.filters import OPEN, LeadFilters, filtered_leads
from leads.models import ActivityLog, AssignmentRule, Lead, RuleAssignment
from leads.signals import announce_leads_changed

BATCH = 1000
# Who the timeline says gave the owner when a rule did.
RULES_ACTOR = "assignment rules"


def person_name(user: Any) -> str:
    """How the pages name a rep: their full name, else their user name."""
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def may_assign(user: Any, leads: QuerySet[Lead] | Iterable[Lead], owner: Any) -> str:
    """Why `user` may not make `owner` (a user, or None to unassign) the owner of these leads; "" when they may.

    A manager gives anyone's leads to anyone. A rep takes leads nobody owns for themselves and gives back their
    own; handing leads to someone else, or touching another rep's, is a manager's call (the team's split of the
    pipeline is the manager's, so no rep can dump leads on a colleague or take a colleague's).
    """
    if not has_role(user):
        return "Only reps and managers can do this."
    if is_manager(user):
        return ""
    if owner is not None and owner.pk != user.pk:
        return "Only a manager can give leads to someone else; you can take unassigned leads yourself."
    taken = _owned_by_someone_else(leads, user)
    if taken is None:
        return ""
    verb = "take" if owner is not None else "unassign"
    return f"Only a manager can {verb} leads another rep owns ({taken} is {person_name(taken.owner)}'s)."


def _owned_by_someone_else(leads: QuerySet[Lead] | Iterable[Lead], user: Any) -> Lead | None:
    if isinstance(leads, QuerySet):
        # One query however many leads a filter matches.
        return leads.filter(owner__isnull=False).exclude(owner_id=user.pk).select_related("owner").first()
    return next((lead for lead in leads if lead.owner_id not in (None, user.pk)), None)


def assign(leads: QuerySet[Lead] | Iterable[Lead], owner: Any, by: Any, *, reason: str = "",
           on_batch: Callable[[int], None] | None = None) -> int:
    """Make `owner` (a user, or None to unassign) the owner of these leads; returns how many changed.

    `by` is the person who did it, or a label for a program ("assignment rules"); `on_batch` hears how many
    changed in each batch of BATCH (a job's progress).
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
        batch = _assign_batch(ids[start:start + BATCH], owner, actor, actor_label, reason)
        changed += batch
        if on_batch is not None:
            on_batch(batch)
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


def assign_filtered(query: str, owner_id: int | None, by_id: int, job_id: Any = None) -> int:
    """Every lead matching the dashboard query (read as `by` reads it: "owner=me") gets the owner; the job, if any,
    follows the batches. Safe to run twice: leads that already have the owner are skipped."""
    by = User.objects.get(pk=by_id)
    owner = User.objects.filter(pk=owner_id).first() if owner_id else None
    leads = filtered_leads(LeadFilters.from_query(QueryDict(query), default_status=OPEN), by)
    # Asked again here: the filter may match other leads by the time the worker runs than when it was confirmed.
    refusal = may_assign(by, leads, owner)
    if refusal:
        jobs.finish(job_id, f"Stopped: {refusal}"[:500], failed=True)
        return 0
    try:
        changed = assign(leads, owner, by, reason="bulk assignment of a filter's result",
                         on_batch=lambda count: jobs.advance(job_id, count))
    except Exception as error:
        jobs.finish(job_id, f"Stopped: {error}"[:500], failed=True)
        raise
    who = person_name(owner) if owner else "nobody"
    jobs.finish(job_id, f"{changed} lead{'s' if changed != 1 else ''} now owned by {who}.")
    return changed


# --- Assignment rules ------------------------------------------------------------------------------


def period_start(period: str, now: datetime) -> datetime:
    """Local midnight of the day, the Monday or the first of the month `now` falls in."""
    local = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == AssignmentRule.Period.WEEK:
        local -= timedelta(days=local.weekday())
    elif period == AssignmentRule.Period.MONTH:
        local = local.replace(day=1)
    return local


def _next_rep(rule: AssignmentRule, now: datetime) -> Any:
    """The rep after the rule's last one (in name order) who is under the cap; None when every one is at it."""
    reps = sorted(rule.reps.filter(is_active=True), key=lambda user: user.get_username())
    if not reps:
        return None
    last = next((index for index, rep in enumerate(reps) if rep.pk == rule.last_rep_id), -1)
    turn = reps[last + 1:] + reps[:last + 1]
    if rule.cap is None:
        return turn[0]
    since = period_start(rule.period, now)
    counts = dict(RuleAssignment.objects.filter(rule=rule, created_at__gte=since).values("rep")
                  .annotate(count=Count("id")).values_list("rep", "count"))
    return next((rep for rep in turn if counts.get(rep.pk, 0) < rule.cap), None)


def apply_rules(lead_ids: list[Any]) -> int:
    """Give each of these leads that has no owner (and is not disqualified) one by the first matching rule with
    a rep under the cap; returns how many got an owner."""
    rules = list(AssignmentRule.objects.filter(is_active=True).prefetch_related("reps"))
    if not rules:
        return 0
    given = 0
    now = timezone.now()
    leads = Lead.objects.filter(pk__in=lead_ids, owner__isnull=True).exclude(status=Lead.Status.DISQUALIFIED)
    for lead in leads.order_by("created_at"):
        for candidate in (rule for rule in rules if rule.matches(lead)):
            with transaction.atomic():
                # Locked: two workers qualifying at once take turns, so round robin and the cap hold.
                rule = AssignmentRule.objects.select_for_update().get(pk=candidate.pk)
                rep = _next_rep(rule, now)
                if rep is None:
                    continue
                if assign([lead], rep, RULES_ACTOR, reason=f"assignment rule “{rule.name}”"):
                    RuleAssignment.objects.create(rule=rule, rep=rep, lead=lead)
                    AssignmentRule.objects.filter(pk=rule.pk).update(last_rep=rep)
                    given += 1
            break
    return given
