"""Action tools: each proposes a change (assistant.actions) for the user to confirm; none changes anything itself."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant import actions
from assistant.tools.registry import Context, ToolProblem, tool
from assistant.tools.selection import Selection, matching
from leads.models import Lead
from outreach import template_store
from outreach.report_subscriptions import OWN_WORK, SECTIONS


def _leads_text(count: int) -> str:
    return actions.counted(count, "lead")


class FollowUpArguments(Selection):
    instruction: str = Field("", max_length=300, description="What the email should say or do, in the user's words")
    template: str = Field("", max_length=50, description="An email template's key (e.g. approach_used's "
                                                         "best_template); empty: the one each lead's stage calls for")


@tool("propose_follow_up", "Propose drafting a follow-up email for these leads; the drafts wait in the review "
      "queue for approval (nothing is sent).", FollowUpArguments, proposes=True)
def propose_follow_up(context: Context, arguments: FollowUpArguments) -> dict[str, Any]:
    if arguments.template and arguments.template not in template_store.keys_for_any():
        raise ToolProblem(f"There is no email template '{arguments.template}'.")
    leads = matching(context, arguments)
    using = f" from the template “{arguments.template}”" if arguments.template else ""
    return actions.propose(context, "draft_follow_up", f"Draft a follow-up email{using} for "
                           f"{_leads_text(leads.count())} (they wait in the review queue)",
                           leads, {"instruction": arguments.instruction, "template": arguments.template})


class StopArguments(Selection):
    reason: str = Field("", max_length=200)


@tool("propose_stop_sequences", "Propose stopping the follow-up sequences of these leads (a lead or a whole "
      "company, via search) and cancelling their unsent follow-ups.", StopArguments, proposes=True)
def propose_stop_sequences(context: Context, arguments: StopArguments) -> dict[str, Any]:
    leads = matching(context, arguments.model_copy(update={"status": arguments.status or "all"}))
    return actions.propose(context, "stop_sequences", f"Stop the sequences of {_leads_text(leads.count())}",
                           leads, {"reason": arguments.reason})


class RequalifyArguments(Selection):
    newest: int | None = Field(None, ge=1, le=actions.ACTION_LIMIT, description="Only the N newest leads")


@tool("propose_requalify", "Propose enriching and qualifying these leads again (research them): e.g. the 10 "
      "newest leads.", RequalifyArguments, proposes=True)
def propose_requalify(context: Context, arguments: RequalifyArguments) -> dict[str, Any]:
    # Only leads still being worked are qualified again (Lead.RESCORED_STATUSES): the proposal counts just those.
    leads = matching(context, arguments).filter(status__in=Lead.RESCORED_STATUSES).order_by("-created_at")
    if arguments.newest:
        leads = leads.model.objects.filter(pk__in=list(leads.values_list("pk", flat=True)[: arguments.newest]))
    return actions.propose(context, "requalify", f"Enrich and qualify {_leads_text(leads.count())} again",
                           leads)


class PauseArguments(Selection):
    reason: str = Field("", max_length=200)


@tool("propose_pause_sequences", "Propose pausing the follow-up sequences of these leads (a lead, or every lead of a "
      "company via search, e.g. 'Microsoft'); they can be resumed later.", PauseArguments, proposes=True)
def propose_pause_sequences(context: Context, arguments: PauseArguments) -> dict[str, Any]:
    leads = matching(context, arguments)
    return actions.propose(context, "pause_sequences", f"Pause the sequences of {_leads_text(leads.count())}",
                           leads, {"reason": arguments.reason})


class AssignArguments(Selection):
    owner_username: str = Field("me", max_length=150, description="'me', 'nobody' or a user's username")


@tool("propose_assign_owner", "Propose making someone (by username, or 'me') the owner of these leads.",
      AssignArguments, proposes=True)
def propose_assign_owner(context: Context, arguments: AssignArguments) -> dict[str, Any]:
    leads = matching(context, arguments)
    who = "you" if arguments.owner_username in ("", "me") else arguments.owner_username
    return actions.propose(context, "assign_owner", f"Make {who} the owner of {_leads_text(leads.count())}", leads,
                           {"owner_username": arguments.owner_username})


class TaskArguments(Selection):
    title: str = Field(min_length=2, max_length=200, description="What to do, e.g. 'Call about the demo'")
    kind: Literal["CALL", "EMAIL", "LINKEDIN", "CUSTOM"] = "CUSTOM"
    due_in_days: int | None = Field(None, ge=0, le=365, description="Due this many days from now")


@tool("propose_task", "Propose a task or reminder for each of these leads (a call, an email to write, a LinkedIn "
      "message or a to-do), for the lead's owner.", TaskArguments, proposes=True)
def propose_task(context: Context, arguments: TaskArguments) -> dict[str, Any]:
    leads = matching(context, arguments)
    when = f", due in {arguments.due_in_days} days" if arguments.due_in_days else ""
    return actions.propose(context, "create_task",
                           f"Create the task “{arguments.title}” for {_leads_text(leads.count())}{when}", leads,
                           {"title": arguments.title, "kind": arguments.kind, "due_in_days": arguments.due_in_days})


class ListArguments(Selection):
    list_name: str = Field(min_length=1, max_length=100, description="The user's list, made if it does not exist")


@tool("propose_add_to_list", "Propose adding these leads to one of the user's lists.", ListArguments,
      proposes=True)
def propose_add_to_list(context: Context, arguments: ListArguments) -> dict[str, Any]:
    leads = matching(context, arguments)
    return actions.propose(context, "add_to_list",
                           f"Add {_leads_text(leads.count())} to your list “{arguments.list_name}”", leads,
                           {"list_name": arguments.list_name})


class ReportArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cadence: Literal["daily", "weekly"] = "daily"
    hour: int = Field(9, ge=0, le=23, description="Hour of the day, 0-23 (9 = 9am)")
    weekday: int | None = Field(None, ge=0, le=6, description="For weekly: 0 = Monday ... 6 = Sunday")
    sections: list[Literal[tuple(SECTIONS)]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: [OWN_WORK], description="What the email holds: " + "; ".join(
            f"{key}: {label}" for key, label in SECTIONS.items()))


@tool("propose_report", "Propose a report email for the user, daily or weekly at an hour of their choice.",
      ReportArguments, proposes=True)
def propose_report(context: Context, arguments: ReportArguments) -> dict[str, Any]:
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    weekday = arguments.weekday if arguments.weekday is not None else 0
    when = f"every {days[weekday]}" if arguments.cadence == "weekly" else "every day"
    parameters = {"cadence": arguments.cadence, "hour": arguments.hour, "sections": list(arguments.sections),
                  "weekday": weekday if arguments.cadence == "weekly" else None}
    labels = ", ".join(SECTIONS[key] for key in arguments.sections)
    return actions.propose(context, "schedule_report", f"Email you a report {when} at {arguments.hour:02d}:00 "
                           f"({labels})", None, parameters)
