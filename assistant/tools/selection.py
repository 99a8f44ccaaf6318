"""Which leads a tool means: the previous answer's ("those leads", "that lead"), or a filter the dashboard knows.

Filters go through `leads.filters` (the dashboard's, the export's and the API's), so the assistant finds what
the list pages find; a lead row is what the model may read of a lead (redacted, its own words quoted data).
"""

import datetime
import re
from typing import Any, Literal

from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from assistant.tools.registry import Context, ToolProblem
from leadops.untrusted import injected, scrub
from leads.filters import LeadFilters, filtered_leads
from leads.models import ActivityLog, Lead
from leads.redaction import MESSAGE_LIMIT

WITHHELD = "[withheld: the text reads as instructions to an AI]"


class Selection(BaseModel):
    """Which leads. Leave every field empty to mean all open leads."""

    model_config = ConfigDict(extra="forbid")

    use_previous_results: bool = Field(
        False, description="True when the user says 'those leads', 'them' or 'that lead': the leads of the "
                           "previous answer")
    search: str = Field("", max_length=100, description="Any part of a name, email domain or company, e.g. 'Acme'")
    label: Literal["", "HOT", "WARM", "COLD"] = ""
    source: Literal["", "web_form", "referral", "outbound", "event", "partner", "import", "api", "other"] = ""
    status: Literal["", "open", "all", "uncontacted", "NEW", "QUALIFIED", "NEEDS_INFO", "DISQUALIFIED",
                    "CONTACTED", "MEETING_BOOKED", "CLOSED_WON", "CLOSED_LOST"] = Field(
        "", description="'open' (default), 'all', 'uncontacted' (never emailed) or one status")
    owner: Literal["", "me", "none"] = Field("", description="'me': the user's own leads; 'none': unassigned")
    replied: Literal["", "any", "interested"] = Field("", description="Only leads that replied (or replied "
                                                                      "interested)")
    created_within_days: int | None = Field(None, ge=1, le=3650, description="Only leads created in the last N "
                                                                              "days")
    industry: str = Field("", max_length=100, description="Only leads of this industry, e.g. 'Software'")


# The words a question uses when it means a filter; a filter the model set without them is its own invention.
_ASKED = {
    # "Show me ..." is no claim on the user's own leads; "my", "mine", "to me", "I" are.
    "owner": {"me": r"\b(my|mine|i)\b|\b(to|for|by|with) me\b",
              "none": r"unassigned|no owner|nobody|no one|without an owner"},
    "created_within_days": r"\b(day|days|week|weeks|month|months|year|years|today|yesterday|recent|recently|new|"
                           r"newest|latest|last|since|ago)\b",
    "replied": r"repl|respon|answer|interested|wrote back",
}


def _says(question: str, pattern: str) -> bool:
    return re.search(pattern, question) is not None


def grounded(selection: Selection, question: str) -> Selection:
    """The selection less the filters the question never asked for.

    Small local models fill optional fields with values of their own ("owner": "me", "created_within_days": 1,
    "industry": "Software" for "Show me the HOT leads") and put a label or source in the search text; each such
    filter empties the answer. A label, source or industry counts when the question names it, the owner, age
    and replies when it uses their words. A search text that is a label or source becomes that filter; any other
    is kept, as it may name a lead an earlier tool call found (dropping it would widen an action to every lead).
    """
    asked = question.casefold()
    changes: dict[str, Any] = {}
    term = selection.search.strip().casefold()
    if term in {label.casefold() for label in ("HOT", "WARM", "COLD")}:
        changes |= {"search": "", "label": selection.label or term.upper()}
    elif term.replace(" ", "_") in Lead.Source.values:
        changes |= {"search": "", "source": selection.source or term.replace(" ", "_")}
    label, source = changes.get("label", selection.label), changes.get("source", selection.source)
    if label and label.casefold() not in asked:
        changes["label"] = ""
    if source and source.replace("_", " ").casefold() not in asked and source not in asked:
        changes["source"] = ""
    if selection.industry and selection.industry.casefold() not in asked:
        changes["industry"] = ""
    if selection.owner and not _says(asked, _ASKED["owner"][selection.owner]):
        changes["owner"] = ""
    if selection.created_within_days and not _says(asked, _ASKED["created_within_days"]):
        changes["created_within_days"] = None
    if selection.replied and not _says(asked, _ASKED["replied"]):
        changes["replied"] = ""
    return selection.model_copy(update=changes) if changes else selection


def matching(context: Context, selection: Selection) -> QuerySet[Lead]:
    """The leads the selection names, as the user's own dashboard would list them."""
    if context.question:
        selection = grounded(selection, context.question)
    if selection.use_previous_results:
        if not context.previous_lead_ids:
            raise ToolProblem("There were no leads in the previous answer; say which leads you mean.")
        return Lead.objects.filter(pk__in=context.previous_lead_ids)
    query = QueryDict(mutable=True)
    for name in ("label", "source", "owner"):
        if getattr(selection, name):
            query[name] = getattr(selection, name)
    if selection.search:
        query["q"] = selection.search
    if selection.status and selection.status != "uncontacted":
        query["status"] = selection.status
    filters = LeadFilters.from_query(query, default_status="open")
    if selection.created_within_days:
        filters.created_from = timezone.localdate() - datetime.timedelta(days=selection.created_within_days - 1)
    leads = filtered_leads(filters, context.user)
    if selection.industry:
        leads = leads.filter(industry__icontains=selection.industry)
    if selection.status == "uncontacted":
        leads = leads.filter(status__in=Lead.UNCONTACTED_STATUSES).exclude(drafts__sent_at__isnull=False)
    if selection.replied:
        replies = ActivityLog.objects.filter(lead=OuterRef("pk"), type=ActivityLog.Type.REPLY_RECEIVED)
        if selection.replied == "interested":
            replies = replies.filter(payload__classification="interested")
        leads = leads.filter(Exists(replies))
    return leads


def quoted_text(lead: Lead, text: str) -> str:
    """A lead's own words as the model may read them: cut, names and contacts scrubbed, withheld if they steer."""
    if not text:
        return ""
    if injected(text):
        return WITHHELD
    names = [part for part in (lead.first_name, lead.last_name) if part.strip()]
    keep = [lead.company_name] if lead.company_name.strip() else []
    return scrub(text[:MESSAGE_LIMIT], names, keep=keep).replace("<", "\u2039").replace(">", "\u203a")


def lead_row(lead: Lead, context: Context, *, detail: bool = False) -> dict[str, Any]:
    """One lead for the model and the "what I looked up" panel: what a rep reads in the lead table."""
    row: dict[str, Any] = {
        "id": str(lead.pk), "name": lead.full_name or "(no name)", "company": lead.company_name,
        "job_title": lead.job_title, "label": lead.score_label or "unscored", "score": lead.score_value,
        "status": lead.get_status_display(), "source": lead.get_source_display(),
        "owner": lead.owner.get_username() if lead.owner_id and lead.owner else "nobody",
        "created": lead.created_at.date().isoformat(),
        "email_domain": lead.email.rpartition("@")[2] if lead.email else "",
        "url": reverse("leads:detail", args=[lead.pk]),
    }
    if context.reveal_contacts:
        row["email"], row["phone"] = lead.email, lead.phone
    if detail:
        row |= {"industry": lead.industry, "company_size": lead.company_size, "country": lead.country,
                "urgency": lead.urgency, "score_reasons": lead.score_rationale[:400],
                "recommended_action": lead.get_recommended_action_display() if lead.recommended_action else "",
                "untrusted_lead_message": quoted_text(lead, lead.lead_message),
                "untrusted_pain_point": quoted_text(lead, lead.pain_point)}
    return row


def rows(leads: QuerySet[Lead], context: Context, limit: int) -> list[dict[str, Any]]:
    return [lead_row(lead, context) for lead in leads.select_related("owner")[:limit]]


def one_lead(context: Context, selection: Selection) -> Lead:
    """The one lead a question means ("that lead from Acme"): the newest match, the previous answer's first."""
    leads = matching(context, selection.model_copy(update={"status": selection.status or "all"}))
    if selection.use_previous_results:
        ordered = {lead_id: position for position, lead_id in enumerate(context.previous_lead_ids)}
        found = sorted(leads, key=lambda lead: ordered.get(str(lead.pk), len(ordered)))
        if not found:
            raise ToolProblem("The lead of the previous answer no longer exists.")
        return found[0]
    lead = leads.select_related("owner").order_by("-created_at").first()
    if lead is None:
        raise ToolProblem("No lead matches that; try part of the name or the company.")
    return lead
