"""Proposed actions: the assistant proposes, the user confirms, and only then the domain function runs.

Each kind says who may do it (the same rule the pages apply: a rep cannot do through the assistant what the
rep cannot do in the UI) and what it does. `propose` checks the rule and stores a ProposedAction naming the
leads and the change; `confirm` checks again (as the person confirming, who must be the one it was proposed
to) and runs it. No kind sends an email: a follow-up lands in the review queue, where gates and quotas apply.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assistant.context import Context, ToolProblem
from assistant.models import ProposedAction
from leadops import llm
from leadops.roles import has_role, is_manager
from leads.assignment import assign, may_assign
from leads.lists import add_to_list, save_list, visible_lists
from leads.models import Lead, Task
from leads.rep_tasks import create_task
from outreach.pausing import pause
from outreach.redrafting import redraft
from outreach.report_subscriptions import SECTIONS, sections_for, subscribe
from outreach.stopping import stop
from scoring.pipeline.tasks import requalify

# The most leads one action may change: past this the user narrows the question (or uses the dashboard).
ACTION_LIMIT = 500


@dataclass
class Kind:
    # Why this user may not (""= may), checked when proposed and again when confirmed.
    refusal: Callable[[Any, list[Lead], dict[str, Any]], str]
    execute: Callable[[Any, list[Lead], dict[str, Any]], str]
    needs_leads: bool = True


KINDS: dict[str, Kind] = {}


def kind(name: str, refusal: Callable[[Any, list[Lead], dict[str, Any]], str], *, needs_leads: bool = True
         ) -> Callable[[Callable[[Any, list[Lead], dict[str, Any]], str]], Callable[..., str]]:
    def register(execute: Callable[[Any, list[Lead], dict[str, Any]], str]) -> Callable[..., str]:
        KINDS[name] = Kind(refusal, execute, needs_leads)
        return execute

    return register


def any_role(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    return "" if has_role(user) else "Only reps and managers can do this."


def managers_only(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    return "" if is_manager(user) else "Only a manager can do this (as on the Scoring model page)."


def propose(context: Context, name: str, summary: str, leads: QuerySet[Lead] | None = None,
            parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Store the proposal and say what it is; the model tells the user to confirm it in the panel."""
    parameters = parameters or {}
    chosen = list(leads.select_related("owner")[: ACTION_LIMIT + 1]) if leads is not None else []
    if KINDS[name].needs_leads and not chosen:
        raise ToolProblem("No lead matches, so there is nothing to propose.")
    if len(chosen) > ACTION_LIMIT:
        raise ToolProblem(f"More than {ACTION_LIMIT} leads match; narrow the question down.")
    refusal = KINDS[name].refusal(context.user, chosen, parameters)
    if refusal:
        raise ToolProblem(refusal)
    action = ProposedAction.objects.create(
        user=context.user, message=context.message, kind=name, summary=summary[:300],
        lead_ids=[str(lead.pk) for lead in chosen], parameters=parameters)
    return {"proposed_action": {"summary": action.summary, "leads_affected": len(chosen),
                                "leads": [{"name": str(lead), "company": lead.company_name} for lead in chosen[:10]],
                                "action_id": str(action.pk)},
            "note": "Nothing has changed yet: the user confirms or cancels this in the panel.",
            "leads": [{"id": str(lead.pk)} for lead in chosen]}


def confirm(action: ProposedAction, user: Any) -> ProposedAction:
    """Run a proposed action for the user it was proposed to; refuses anyone else and a second confirmation."""
    if action.user_id != user.pk:
        raise PermissionDenied("Only the person it was proposed to can confirm this action.")
    with transaction.atomic():
        locked = ProposedAction.objects.select_for_update().get(pk=action.pk)
        if locked.status != ProposedAction.Status.PROPOSED:
            return locked
        leads = list(Lead.objects.filter(pk__in=locked.lead_ids).select_related("owner"))
        refusal = KINDS[locked.kind].refusal(user, leads, locked.parameters)
        if refusal:
            raise PermissionDenied(refusal)
        try:
            locked.outcome = KINDS[locked.kind].execute(user, leads, locked.parameters)[:300]
            locked.status = ProposedAction.Status.CONFIRMED
        except ValidationError as error:
            locked.outcome = " ".join(error.messages)[:300]
            locked.status = ProposedAction.Status.FAILED
        locked.confirmed_by, locked.confirmed_at = user, timezone.now()
        locked.save()
    return locked


def cancel(action: ProposedAction, user: Any) -> ProposedAction:
    if action.user_id != user.pk:
        raise PermissionDenied("Only the person it was proposed to can cancel this action.")
    ProposedAction.objects.filter(pk=action.pk, status=ProposedAction.Status.PROPOSED).update(
        status=ProposedAction.Status.CANCELLED, updated_at=timezone.now())
    action.refresh_from_db()
    return action


def counted(count: int, noun: str) -> str:
    """"1 lead", "3 leads": how the assistant says how many."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


@kind("draft_follow_up", any_role)
def draft_follow_ups(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    instruction = parameters.get("instruction", "")
    done, skipped = 0, []
    for lead in leads:
        try:
            redraft(lead, user=user, template_key=parameters.get("template") or None,
                    use_llm=bool(instruction) and llm.enabled(), instruction=instruction)
            done += 1
        except ValidationError as error:
            skipped.append(f"{lead}: {' '.join(error.messages)}")
    text = f"{counted(done, 'follow-up email')} drafted, waiting in the review queue."
    return text + (f" {len(skipped)} skipped: " + "; ".join(skipped[:3]) if skipped else "")


@kind("stop_sequences", any_role)
def stop_sequences(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    reason = parameters.get("reason") or "Stopped from the assistant"
    stopped = sum(stop(lead, reason, actor=user) for lead in leads)
    return f"{counted(stopped, 'sequence')} stopped; their unsent follow-ups were cancelled."


@kind("requalify", managers_only)
def requalify_leads(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    queued = requalify([lead.pk for lead in leads])
    return f"{counted(queued, 'lead')} queued for enrichment and qualification; finished leads are left as they are."


@kind("pause_sequences", any_role)
def pause_sequences(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    paused = pause(leads, parameters.get("reason") or "Paused from the assistant", by=user)
    return f"{counted(paused, 'sequence')} paused; they go on when someone resumes them."


def _assignee(parameters: dict[str, Any], user: Any) -> Any:
    name = parameters.get("owner_username", "")
    if name in ("", "me"):
        return user
    if name == "nobody":
        return None
    return get_user_model().objects.filter(username__iexact=name, is_active=True).first()


def assignment_refusal(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    """The pages' rule (leads.assignment.may_assign), once the owner the user named is found."""
    if not has_role(user):
        return "Only reps and managers can do this."
    name = parameters.get("owner_username", "")
    owner = _assignee(parameters, user)
    if owner is None and name != "nobody":
        return f"There is no active user named '{name}'."
    return may_assign(user, leads, owner)


@kind("assign_owner", assignment_refusal)
def assign_owner(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    owner = _assignee(parameters, user)
    changed = assign(leads, owner, user, reason="Asked for in the assistant")
    return f"{counted(changed, 'lead')} now owned by {owner.get_username() if owner else 'nobody'}."


@kind("create_task", any_role)
def create_tasks(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    days = parameters.get("due_in_days")
    due = timezone.now() + datetime.timedelta(days=days) if days is not None else None
    for lead in leads:
        create_task(lead, kind=parameters.get("kind") or Task.Kind.CUSTOM, title=parameters["title"], due_at=due,
                    created_by=user, source=Task.Source.ASSISTANT, notes=parameters.get("notes", ""))
    return f"{counted(len(leads), 'task')} created: {parameters['title']}."


@kind("add_to_list", any_role)
def add_leads_to_list(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    name = parameters["list_name"]
    lead_list = visible_lists(user).filter(owner=user, name__iexact=name).first() or save_list(name, user)
    added = add_to_list(lead_list, leads, user)
    return f"{counted(added, 'lead')} added to your list “{lead_list.name}” ({len(leads) - added} were in it already)."


def report_refusal(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    if not has_role(user):
        return "Only reps and managers can do this."
    refused = [SECTIONS.get(key, key) for key in parameters.get("sections", []) if key not in sections_for(user)]
    return f"Only a manager's report can have: {', '.join(refused)}." if refused else ""


@kind("schedule_report", report_refusal, needs_leads=False)
def schedule_report(user: Any, leads: list[Lead], parameters: dict[str, Any]) -> str:
    subscription = subscribe(user, sections=parameters["sections"], cadence=parameters["cadence"],
                             hour=parameters["hour"], weekday=parameters.get("weekday"),
                             timezone_name=parameters.get("timezone") or timezone.get_current_timezone_name())
    when = f"{subscription.hour:02d}:00 {subscription.timezone}"
    return f"Your {subscription.get_cadence_display().lower()} report is scheduled for {when}."
