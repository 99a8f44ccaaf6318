"""Action tools: each proposes a change (assistant.actions) for the user to confirm; none changes anything itself."""

from typing import Any

from pydantic import Field

from assistant import actions
from assistant.tools.registry import Context, tool
from assistant.tools.selection import Selection, matching


def _leads_text(count: int) -> str:
    return f"{count} lead{'s' if count != 1 else ''}"


class FollowUpArguments(Selection):
    instruction: str = Field("", max_length=300, description="What the email should say or do, in the user's words")


@tool("propose_follow_up", "Propose drafting a follow-up email for these leads; the drafts wait in the review "
      "queue for approval (nothing is sent).", FollowUpArguments, proposes=True)
def propose_follow_up(context: Context, arguments: FollowUpArguments) -> dict[str, Any]:
    leads = matching(context, arguments)
    return actions.propose(context, "draft_follow_up",
                           f"Draft a follow-up email for {_leads_text(leads.count())} (they wait in the review queue)",
                           leads, {"instruction": arguments.instruction})


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
    leads = matching(context, arguments).order_by("-created_at")
    if arguments.newest:
        leads = leads.model.objects.filter(pk__in=list(leads.values_list("pk", flat=True)[: arguments.newest]))
    return actions.propose(context, "requalify", f"Enrich and qualify {_leads_text(leads.count())} again",
                           leads)
