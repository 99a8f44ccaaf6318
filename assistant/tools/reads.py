"""Read tools about leads: find them, one lead's story, a company's history, the review queue, today's focus."""

from typing import Any, Literal

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from pydantic import BaseModel, ConfigDict, Field

from assistant.actions import ACTION_LIMIT
from assistant.tools.registry import REMEMBER, Context, ToolProblem, tool
from assistant.tools.selection import Selection, lead_row, matching, one_lead, quoted_text, rows
from leads.models import ActivityLog, Lead
from outreach.gates import QUEUE_ORDER, waiting_drafts
from outreach.models import EmailDraft, Enrollment

LIST_LIMIT = 25


class SearchArguments(Selection):
    sort: Literal["newest", "score"] = Field("newest", description="'score': most likely to convert first")
    limit: int = Field(10, ge=1, le=LIST_LIMIT)


@tool("search_leads", "Find leads by company, name, label, source, status, owner, replies or age; gives how many "
      "match and the first ones. Use sort='score' for the leads most likely to convert.", SearchArguments)
def search_leads(context: Context, arguments: SearchArguments) -> dict[str, Any]:
    leads = matching(context, arguments)
    order = ["-score_value", "-created_at"] if arguments.sort == "score" else ["-created_at"]
    if arguments.sort == "score":
        leads = leads.exclude(score_value__isnull=True)
    ordered = leads.order_by(*order)
    listed = rows(ordered, context, arguments.limit)
    return {"matching": leads.count(), "shown": len(listed), "leads": listed,
            REMEMBER: [str(pk) for pk in ordered.values_list("pk", flat=True)[:ACTION_LIMIT]]}


class LeadArguments(Selection):
    pass


@tool("lead_detail", "One lead in full: who, score and why, status, owner, sequence, drafts and the latest "
      "events on its timeline. For 'that lead' set use_previous_results; else search by name or company.",
      LeadArguments)
def lead_detail(context: Context, arguments: LeadArguments) -> dict[str, Any]:
    lead = one_lead(context, arguments)
    events = [{"when": event.created_at.date().isoformat(), "what": event.get_type_display(),
               "detail": _event_detail(lead, event)}
              for event in lead.activities.order_by("-created_at")[:12]]
    drafts = [{"kind": draft.get_variant_display(), "state": draft.get_state_display(),
               "sent": draft.sent_at.date().isoformat() if draft.sent_at else ""}
              for draft in lead.drafts.order_by("-created_at")[:6]]
    enrollment = lead.enrollments.select_related("sequence").order_by("-created_at").first()
    return {"lead": lead_row(lead, context, detail=True), "timeline": events, "emails": drafts,
            "sequence": {"name": enrollment.sequence.name, "state": enrollment.get_status_display(),
                         "step": enrollment.last_step_position} if enrollment else None,
            "leads": [lead_row(lead, context)]}


def _event_detail(lead: Lead, event: ActivityLog) -> str:
    payload = event.payload or {}
    if event.type == ActivityLog.Type.REPLY_RECEIVED:
        return f"classified {payload.get('classification', 'unknown')}"
    if event.type == ActivityLog.Type.NOTE:
        return quoted_text(lead, str(payload.get("text", "")))[:200]
    if event.type == ActivityLog.Type.STATUS_CHANGED:
        return f"{payload.get('from', '')} to {payload.get('to', '')}".strip()
    if event.type == ActivityLog.Type.SEQUENCE:
        return str(payload.get("event", ""))
    return ""


class CompanyArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company: str = Field(min_length=2, max_length=100, description="The company's name or email domain")


@tool("company_history", "Everything about one company: its leads, their status and label, emails sent, replies "
      "and outcomes.", CompanyArguments)
def company_history(context: Context, arguments: CompanyArguments) -> dict[str, Any]:
    leads = matching(context, Selection(search=arguments.company, status="all"))
    if not leads.exists():
        raise ToolProblem(f"No lead's company, name or address matches '{arguments.company}'.")
    activity = ActivityLog.objects.filter(lead__in=leads)
    counts = {row["type"]: row["n"] for row in activity.order_by().values("type").annotate(n=Count("*"))}
    return {
        "company": arguments.company, "leads_count": leads.count(),
        "emails_sent": EmailDraft.objects.filter(lead__in=leads, sent_at__isnull=False).count(),
        "replies": counts.get(ActivityLog.Type.REPLY_RECEIVED, 0),
        "outcomes_recorded": counts.get(ActivityLog.Type.FEEDBACK, 0),
        "active_sequences": Enrollment.objects.filter(lead__in=leads, status=Enrollment.Status.ACTIVE).count(),
        "leads": rows(leads.order_by("-created_at"), context, LIST_LIMIT),
        REMEMBER: [str(pk) for pk in leads.order_by("-created_at").values_list("pk", flat=True)[:ACTION_LIMIT]],
    }


class QueueArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(10, ge=1, le=LIST_LIMIT)


@tool("review_queue", "The drafted emails waiting for the user's review, HOT leads first, and how many wait.",
      QueueArguments)
def review_queue(context: Context, arguments: QueueArguments) -> dict[str, Any]:
    drafts = waiting_drafts(context.user)
    head = list(drafts.select_related("lead", "lead__owner").order_by(*QUEUE_ORDER)[: arguments.limit])
    return {"waiting": drafts.count(), "review_url": reverse("outreach:review"),
            "drafts": [{"kind": draft.get_variant_display(), "lead": lead_row(draft.lead, context),
                        "only_a_manager_may_approve": draft.gated} for draft in head],
            "leads": [lead_row(draft.lead, context) for draft in head]}


class FocusArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")


@tool("focus_today", "What the user should do today: their HOT leads not yet contacted, interested replies "
      "waiting for an answer, and drafts waiting in their review queue.", FocusArguments)
def focus_today(context: Context, arguments: FocusArguments) -> dict[str, Any]:
    owns = Lead.objects.filter(owner=context.user).exists()
    mine = Lead.objects.filter(owner=context.user) if owns else Lead.objects.all()
    hot = mine.filter(score_label=Lead.Label.HOT, status__in=Lead.UNCONTACTED_STATUSES).order_by("-score_value")
    interested = ActivityLog.objects.filter(lead=OuterRef("pk"), type=ActivityLog.Type.REPLY_RECEIVED,
                                            payload__classification="interested")
    replied = mine.filter(Exists(interested)).exclude(status__in=Lead.FINISHED_STATUSES).order_by("-updated_at")
    hot_rows, replied_rows = rows(hot, context, 5), rows(replied, context, 5)
    return {"scope": "your leads" if owns else "all leads (you own none)",
            "hot_uncontacted": hot.count(), "interested_replies_open": replied.count(),
            "drafts_waiting": waiting_drafts(context.user).count(),
            "hot_leads": hot_rows, "interested": replied_rows, "leads": hot_rows + replied_rows}
