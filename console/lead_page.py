"""What the lead page shows, read in a fixed number of queries whatever the lead's history."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Case, F, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from console import dashboard, scores
from console.forms import LeadEditForm
from console.timeline_text import describe
from leadops import llm
from leadops.roles import is_manager
from leads import next_steps
from leads.assignment import person_name
from leads.models import ActivityLog, Feedback, Lead, Task
from outreach import gates, template_store
from outreach.models import EmailDraft
from outreach.replies import Classification
from scoring import email_line
from scoring.models import Trace
from scoring.requalification import STRANDED_AFTER

TIMELINE_LIMIT = 100
# What the page opens with; "Show older activity" loads up to TIMELINE_LIMIT.
TIMELINE_FIRST_PAGE = 25
TRACE_LIMIT = 10
COMPANY_HISTORY_LIMIT = 10
# The page shows each run's nodes and token counts, never the redacted prompts and replies (the bulk of a row).
TRACE_UNSHOWN_FIELDS = ("llm_inputs", "llm_outputs")
# Timeline labels by type, looked up once: get_type_display() per entry rebuilt the choices every time.
ACTIVITY_LABELS = dict(ActivityLog.Type.choices)


@dataclass
class Factor:
    label: str
    points: float
    percent: float

    @property
    def positive(self) -> bool:
        return self.points >= 0


def factors(lead: Lead) -> list[Factor]:
    """The score's factors as signed bars, each scaled to the largest factor."""
    rows, _note = scores.reasons(lead)
    largest = max((abs(float(row.get("points", 0) or 0)) for row in rows), default=0) or 1
    return [
        Factor(label=str(row.get("factor", row.get("label", "?"))), points=float(row.get("points", 0) or 0),
               percent=round(abs(float(row.get("points", 0) or 0)) / largest * 100, 1))
        for row in sorted(rows, key=lambda row: -abs(float(row.get("points", 0) or 0)))
    ]


def enrichment_facts(lead: Lead) -> list[tuple[str, str]]:
    """The enrichment as people read it: set values only, flags that fired as words, no raw dicts."""
    facts: list[tuple[str, str]] = []
    for key, value in (lead.enrichment or {}).items():
        label = key.replace("_", " ").capitalize()
        if key == "signals" and isinstance(value, dict):
            fired = [name.replace("_", " ") for name, flag in value.items() if flag is True]
            phrases = value.get("buying_phrases") or []
            if fired:
                facts.append(("Signals", ", ".join(fired)))
            if phrases:
                facts.append(("Buying phrases", ", ".join(map(str, phrases))))
        elif key == "company_memory" and isinstance(value, dict):
            if value.get("earlier_leads"):
                facts.append(("Earlier leads at this company",
                              f"{value['earlier_leads']} ({value.get('won', 0)} won, {value.get('lost', 0)} lost)"))
        elif isinstance(value, bool):
            if value:
                facts.append((label, "yes"))
        elif value not in (None, "", [], {}, "unknown", "off"):
            facts.append((label, value if isinstance(value, str) else str(value)))
    return facts


def _reply_choices() -> list[tuple[str, str]]:
    return Classification.choices


def get_lead(lead_id: Any) -> Lead:
    # Who cleared a gate or asked to disqualify is read only for the few leads that have one.
    return Lead.objects.select_related("company", "owner").get(pk=lead_id)


@dataclass
class TimelineEntry:
    """One activity as the timeline prints it; built in Python because 100 entries with per-value
    template filters were most of the lead page's rendering time."""

    type: str
    label: str
    when: str
    actor: str
    details: list[tuple[str, str]]
    # A note is read in full, line breaks kept; other payload values are shortened into `details`.
    text: str = ""
    # An update's old -> new per field, one line each (several changed fields overflowed one short line).
    changes: list[tuple[str, str]] = field(default_factory=list)
    sentence: str = ""
    link_label: str = ""
    link_url: str = ""


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _change(old: Any, new: Any) -> str:
    return f"{_short(old, 80) if old not in ('', None) else '—'} → {_short(new, 80) if new not in ('', None) else '—'}"


def _entry(entry: ActivityLog) -> TimelineEntry:
    payload = dict(entry.payload or {})
    text = payload.pop("text", "") if entry.type == ActivityLog.Type.NOTE else ""
    changes = payload.pop("changes", None) if entry.type == ActivityLog.Type.UPDATED else None
    described = describe(entry.type, payload)
    return TimelineEntry(
        type=entry.type, label=ACTIVITY_LABELS.get(entry.type, entry.type),
        when=timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"), actor=entry.actor_name,
        details=[(key, _short(value)) for key, value in described.details],
        sentence=described.sentence, link_label=described.link_label, link_url=described.link_url,
        text=text if isinstance(text, str) else str(text),
        changes=[(name.replace("_", " "), _change(*pair)) for name, pair in changes.items()
                 if isinstance(pair, list) and len(pair) == 2] if isinstance(changes, dict) else [],
    )


def timeline(lead: Lead, *, full: bool = False) -> dict[str, Any]:
    """The newest activities (all of them, up to TIMELINE_LIMIT, when `full`), and whether older ones exist."""
    limit = TIMELINE_LIMIT if full else TIMELINE_FIRST_PAGE
    # Only the actor's username is shown: reading whole user rows (password hash and all) per entry is waste.
    entries = list(
        lead.activities.select_related("actor")
        .only("lead_id", "type", "payload", "actor_label", "created_at", "actor_id", "actor__username")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    return {
        "timeline": [_entry(entry) for entry in entries[:limit]],
        "timeline_more": len(entries) > limit and not full,
        "timeline_full": full,
    }


def awaiting_send(lead: Lead) -> bool:
    """An approved email is on its way: the timeline keeps refreshing until it is sent.

    Not one deferred to later (outside the send window, over the quota): the page would say "sending…"
    and poll every two seconds all weekend.
    """
    return EmailDraft.objects.filter(
        Q(state=EmailDraft.State.SENDING)
        | (Q(state=EmailDraft.State.APPROVED) & (Q(send_after__isnull=True) | Q(send_after__lte=timezone.now()))),
        lead=lead,
    ).exists()


def being_qualified(lead: Lead, traces: Sequence[Trace]) -> bool:
    """Intake changed what the score reads and no run has saved (or failed on) these inputs yet.

    With a Celery worker the new score lands a moment after the page is drawn, so the score card
    refreshes itself until it does; past STRANDED_AFTER the stranded-lead sweep takes over, and a page
    left open stops asking. `traces`: the lead's newest runs, newest first.
    """
    if lead.qualified_at is not None or lead.status not in Lead.RESCORED_STATUSES or lead.updated_at is None:
        return False
    if lead.updated_at < timezone.now() - STRANDED_AFTER:
        return False
    return not (traces and traces[0].created_at >= lead.updated_at)


def _on_its_way(draft: EmailDraft) -> bool:
    """awaiting_send's test for one draft already read."""
    if draft.state == EmailDraft.State.SENDING:
        return True
    return draft.state == EmailDraft.State.APPROVED and (draft.send_after is None or draft.send_after <= timezone.now())


def _can_redraft(lead: Lead, drafts: Sequence[EmailDraft]) -> bool:
    if lead.status in Lead.FINISHED_STATUSES or not lead.email or lead.erased_at:
        return False
    return not any(draft.state == EmailDraft.State.DRAFT for draft in drafts)


def context(
    lead: Lead, user: User, *, full_timeline: bool = False, edit_form: LeadEditForm | None = None,
) -> dict[str, Any]:
    """The whole page's context; `edit_form` is a bound form to show back with its errors."""
    drafts = list(lead.drafts.select_related("approved_by").order_by("-created_at")[:20])
    company_history: list[Lead] = []
    if lead.company_id:
        company_history = list(
            Lead.objects.filter(company_id=lead.company_id).exclude(pk=lead.pk)
            .only("id", "first_name", "last_name", "email", "status", "score_label", "score_value", "created_at")
            .order_by("-created_at")[:COMPANY_HISTORY_LIMIT]
        )
    manager = is_manager(user)
    runs = Trace.objects.filter(lead=lead).order_by("-created_at")
    # A rep's page only asks whether a run landed since the last change: the newest run's time, not its nodes.
    traces = list(runs.defer(*TRACE_UNSHOWN_FIELDS)[:TRACE_LIMIT] if manager else runs.only("created_at")[:1])
    outcomes = list(Feedback.objects.filter(lead=lead).select_related("created_by").order_by("-created_at")[:20])
    current = next((draft for draft in drafts if draft.state == EmailDraft.State.DRAFT), None)
    templates = template_store.choices_by_purpose()
    gated = lead.needs_approval or any(draft.gated for draft in drafts if draft.state == EmailDraft.State.DRAFT)
    return {
        "lead": lead,
        "factors": factors(lead),
        "next_step": next_steps.sentence(lead),
        "score_words": scores.in_words(lead),
        "score_note": scores.reasons(lead)[1],
        "enrichment": enrichment_facts(lead),
        "drafts": drafts,
        "draft": current,
        # The draft editor's buttons: only what this person may do (outreach.gates).
        "draft_acts": {act.value for act in gates.allowed_acts(current, user)} if current else set(),
        "disqualify_waits": gated and not is_manager(user),
        # No email waits for review or is on its way: the rep can write a new one (outreach.redrafting).
        "can_redraft": _can_redraft(lead, drafts),
        "redraft_templates": [choice for listed in templates.values() for choice in listed],
        "regenerate_templates": templates.get(current.variant, []) if current else [],
        "redraft_default": next((draft.variant for draft in drafts), ""),
        "llm_on": llm.enabled(),
        # The LLM's score lies across the email line: a rep or manager approves or declines (scoring.email_line).
        "llm_would": email_line.pending(lead),
        "company_history": company_history,
        **timeline(lead, full=full_timeline),
        "awaiting_send": any(_on_its_way(draft) for draft in drafts),
        "being_qualified": being_qualified(lead, traces),
        # Node names and milliseconds are for managers tuning the pipeline, not for a rep's day.
        "show_runs": manager,
        "traces": traces if manager else [],
        "outcomes": outcomes,
        "outcome_choices": Feedback.Outcome.choices,
        "reply_choices": _reply_choices(),
        "edit_form": edit_form or LeadEditForm(lead=lead),
        **work_context(lead),
    }


def work_context(lead: Lead) -> dict[str, Any]:
    """The owner and the tasks part of the lead page: open tasks soonest first, then the last few closed ones."""
    # One read: open ones first (soonest due), then the rest newest first.
    tasks = list(lead.tasks.select_related("assignee").annotate(
        closed=Case(When(status=Task.Status.OPEN, then=Value(0)), default=Value(1))).order_by(
        "closed", F("due_at").asc(nulls_last=True), "-updated_at")[:60])
    return {
        "open_tasks": [task for task in tasks if task.is_open],
        "closed_tasks": [task for task in tasks if not task.is_open][:5],
        "owner_name": person_name(lead.owner),
        "owner_choices": dashboard.owner_choices(),
        "task_kinds": Task.Kind.choices,
    }


# What an action on the lead page may change besides its own part.
CHANGED_BY_ACTIONS = ("timeline", "lead-head", "draft-editor")
# What a finished qualification run changes besides the score card.
CHANGED_BY_QUALIFYING = ("lead-head", "timeline", "draft-editor", "runs")


def partial_response(
    request: HttpRequest, partial: str, context: dict[str, Any], status: int = 200,
    also: Sequence[str] = CHANGED_BY_ACTIONS,
) -> HttpResponse:
    """One part of the lead page after an action, plus the parts (`also`) it changed too.

    The extra parts carry hx-swap-oob (context["oob"]), so htmx swaps them in place too. The draft is
    among them by default because an outcome or a reply can stop the sequence and cancel the draft on
    show; an action that cannot touch it leaves it out, so a draft being typed is not swapped away.
    """
    extras = [name for name in also if name != partial]
    html = render_to_string(f"leads/lead_detail.html#{partial}", {**context, "oob": False}, request) + "".join(
        render_to_string(f"leads/lead_detail.html#{name}", {**context, "oob": True}, request) for name in extras
    )
    return HttpResponse(html, status=status)
