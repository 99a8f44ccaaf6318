"""The review queue and the draft actions it shares with the lead page.

Each action calls outreach.approval and answers in the shape the caller needs: the queue's row
(review page), the lead page's draft editor (lead page), or a redirect when JavaScript is off.
Reps never see drafts gated for a manager; a row or editor shows only the buttons outreach.gates
allows its viewer, and outreach.approval refuses the others anyway. A manager's queue also lists what
waits for a manager alone: the disqualifications to confirm and (`?waiting=manager`) the gated drafts.
"""

import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from console import lead_page, review_items
from leadops import llm
from leadops.http import HtmxHttpRequest, posted_uuids
from leadops.roles import is_manager, manager_required, role_required
from leads.models import Lead
from outreach import approval, gates, redrafting, sending, template_store
from outreach.gates import QUEUE_ORDER, waiting_drafts
from outreach.models import EmailDraft
from scoring import email_line

# A screenful to work through with the keyboard; the next ones come up as these are handled.
QUEUE_LIMIT = 25
# What a queue row shows: loading whole leads (their JSON columns above all) was a third of the page's time.
QUEUE_ROW_FIELDS = (
    "id", "lead_id", "variant", "state", "subject", "body", "needs_approval", "approval_reason", "created_at",
    "template_key",
    "lead__first_name", "lead__last_name", "lead__email", "lead__external_id", "lead__company_name",
    "lead__job_title", "lead__needs_approval", "lead__approval_reason", "lead__approved_at", "lead__score_label",
    "lead__score_value", "lead__score_rationale",
)
# The fields a save must carry: one missing would otherwise be saved as blank.
SAVE_FIELDS = ("subject", "body")
_PLACEHOLDER = uuid.UUID(int=0)


def _rows(drafts: list[EmailDraft], user: Any) -> list[dict[str, Any]]:
    """What each queue row prints, as plain dicts: the template reads ~40 values per row, and a dict
    answers each lookup at once where a model instance first fails Django's subscript try. Each row's
    action URLs come from one reverse() per action: a {% url %} per row and button was half the page's time."""
    patterns = {
        name: reverse(f"outreach:draft_{name}", args=[_PLACEHOLDER])
        for name in ("approve", "save", "reject", "needs_info", "disqualify", "regenerate")
    }
    templates, llm_on = template_store.choices_by_purpose(), llm.enabled()
    lead_pattern = reverse("leads:detail", args=[_PLACEHOLDER])
    rows = []
    for draft in drafts:
        lead = draft.lead
        urls = {name: url.replace(str(_PLACEHOLDER), str(draft.pk)) for name, url in patterns.items()}
        urls["lead"] = lead_pattern.replace(str(_PLACEHOLDER), str(draft.lead_id))
        rows.append({
            "id": str(draft.pk), "state": draft.state, "state_label": draft.get_state_display(),
            "variant_label": draft.get_variant_display(), "gated": draft.gated,
            "approval_reason": draft.gate_reason, "subject": draft.subject, "body": draft.body, "urls": urls,
            "acts": {act.value for act in gates.allowed_acts(draft, user)},
            "disqualify_waits": not is_manager(user) and draft.gated,
            # "Write it again": the templates of its kind, or the LLM.
            "templates": templates.get(draft.variant, []), "template_key": draft.template_key, "llm_on": llm_on,
            "lead": {"name": str(lead), "score_label": lead.score_label, "score_value": lead.score_value,
                     "job_title": lead.job_title, "company_name": lead.company_name,
                     "score_rationale": lead.score_rationale},
        })
    return rows


@role_required
@require_GET
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    order = gates.queue_head(request.user)
    manager_only = request.GET.get("waiting") == "manager" and is_manager(request.user)
    # Few drafts wait for a manager alone: read straight, not through the cached head.
    rows = (waiting_drafts(request.user, for_manager_only=True).order_by(*QUEUE_ORDER) if manager_only
            else gates.queue_drafts(request.user, order))
    rows = rows.select_related("lead").only(*QUEUE_ROW_FIELDS)[:QUEUE_LIMIT]
    drafts = _rows(list(rows), request.user)
    context = {"drafts": drafts, "drafts_html": review_items.items_html(drafts, get_token(request)),
               "waiting": order.get("gated", 0) if manager_only else order["waiting"],
               "limit": QUEUE_LIMIT, "manager_only": manager_only,
               "manager_waiting": _manager_waiting(request.user, order)}
    if request.htmx and request.htmx.target == "review-list":
        return render(request, "outreach/review.html#review-list", context)
    return render(request, "outreach/review.html", context)


def _manager_waiting(user: Any, order: dict[str, Any]) -> dict[str, Any] | None:
    """What waits for a manager alone (None for a rep): the disqualifications to confirm, the gated drafts."""
    if not is_manager(user):
        return None
    waiting = approval.waiting_disqualifications()
    leads = waiting.select_related("disqualification_requested_by").only(
        "id", "first_name", "last_name", "email", "external_id", "company_name", "status", "disqualification_reason",
        "disqualification_requested_at", "disqualification_requested_by__username",
    )
    # Read afresh, not cached: a manager's decision must leave the list at once (lead_disq_waiting_idx).
    return {"disqualifications": list(leads[:QUEUE_LIMIT]), "disqualifications_waiting": waiting.count(),
            "gated": order.get("gated", 0)}


@role_required
@require_POST
def bulk_approve(request: HtmxHttpRequest) -> HttpResponse:
    ticked = posted_uuids(request.POST.getlist("draft"))
    chosen = waiting_drafts(request.user).filter(pk__in=ticked).select_related("lead")
    result = approval.bulk_approve(list(chosen), request.user)
    if result.approved:
        messages.success(request, f"Approved {len(result.approved)} draft{'s' if len(result.approved) != 1 else ''}; "
                                  "they go out within the send window and quotas.")
    for draft, reason in result.skipped:
        messages.warning(request, f"Skipped {draft.lead}: {reason}")
    if not result.approved and not result.skipped:
        messages.info(request, "Tick the drafts to approve first.")
    return redirect("outreach:review")


def _draft_response(request: HtmxHttpRequest, draft: EmailDraft, *, error: str = "", notice: str = "",
                    warning: str = "", status: int | None = None) -> HttpResponse:
    """The queue row, or the lead page's draft editor plus its timeline (swapped out of band).

    `warning`: what the person should check although the action went through (the lint of a saved edit); the
    queue row shows it as a warning beside the notice, the lead page's editor lists the lint itself.
    """
    draft.refresh_from_db()
    status = status or (422 if error else 200)
    if request.POST.get("from") == "review":
        if not request.htmx:
            if error:
                messages.error(request, error)
            else:
                messages.success(request, notice)
                if warning:
                    messages.warning(request, warning)
            return redirect("outreach:review")
        row = render_to_string("outreach/review.html#review-item", {
            "draft": _rows([draft], request.user)[0], "error": error, "notice": notice, "warning": warning}, request)
        # The count above the list follows the rows a person handles (swapped out of band).
        count = render_to_string("outreach/review.html#queue-count", {
            "waiting": gates.queue_head(request.user)["waiting"], "limit": QUEUE_LIMIT, "oob": True}, request)
        return HttpResponse(row + count, status=status)
    lead = lead_page.get_lead(draft.lead_id)
    notice = f"{notice} {warning}" if warning else notice
    if not request.htmx:
        (messages.error if error else messages.warning if warning else messages.success)(request, error or notice)
        return redirect(lead)
    context = {**lead_page.context(lead, request.user), "draft_error": error, "draft_saved": notice}
    if error:
        # Keep what the person typed: the failed edit is shown back, not the stored text.
        draft.subject = request.POST.get("subject", draft.subject)
        draft.body = request.POST.get("body", draft.body)
        context["draft"] = draft
    return lead_page.partial_response(request, "draft-editor", context, status=status)


def _missing(request: HtmxHttpRequest, draft: EmailDraft, names: list[str]) -> HttpResponse:
    """400 naming the fields a save lacks; nothing is stored. A browser never sends this (they are required)."""
    error = f"Nothing was saved: the {' and the '.join(names)} {'is' if len(names) == 1 else 'are'} missing."
    if not request.htmx:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    return _draft_response(request, draft, error=error, status=400)


def _act(request: HtmxHttpRequest, draft_id: Any, action: Callable[[EmailDraft], "str | Said"]) -> HttpResponse:
    draft = get_object_or_404(EmailDraft.objects.select_related("lead"), pk=draft_id)
    try:
        said = action(draft)
    except ValidationError as error:
        return _draft_response(request, draft, error=" ".join(error.messages))
    except PermissionDenied as error:
        return _draft_response(request, draft, error=str(error))
    said = Said(said) if isinstance(said, str) else said
    return _draft_response(request, draft, notice=said.notice, warning=said.warning)


class Said(NamedTuple):
    """What an action answers: its notice, and what to check although it went through."""

    notice: str
    warning: str = ""


def _save(request: HtmxHttpRequest, draft: EmailDraft) -> Said:
    lint = approval.save_edit(draft, request.user, request.POST.get("subject"), request.POST.get("body"))
    # The queue row shows no lint list: a "Saved." alone would hide that Approve is going to refuse this text.
    blocking = f"It cannot be approved yet: {' '.join(lint.blocking)}" if lint.blocking else ""
    check = f"Check: {'; '.join(lint.warnings)}" if lint.warnings else ""
    return Said("Saved.", " ".join(part for part in (blocking, check) if part))


def _approve(request: HtmxHttpRequest, draft: EmailDraft) -> str:
    approval.approve(draft, request.user, subject=request.POST.get("subject"), body=request.POST.get("body"))
    return sending.where_it_stands(draft)


def _reject(request: HtmxHttpRequest, draft: EmailDraft) -> str:
    approval.reject(draft, request.user, request.POST.get("reason", ""))
    return "Rejected."


def _needs_info(request: HtmxHttpRequest, draft: EmailDraft) -> str:
    approval.needs_info(draft, request.user, request.POST.get("reason", ""))
    return "Marked as needs info: a clarifying question is drafted for review."


def _disqualify(request: HtmxHttpRequest, draft: EmailDraft) -> str:
    outcome = approval.disqualify(draft.lead, request.user, request.POST.get("reason", ""))
    if outcome == approval.Disqualification.WAITING:
        return "Sent to a manager to confirm: the lead is disqualified once they do."
    return "Lead disqualified; its unsent emails are cancelled."


# URL action -> what it does (through outreach.approval) and the notice it shows.
ACTIONS: dict[str, Callable[[HtmxHttpRequest, EmailDraft], str | Said]] = {
    "save": _save, "approve": _approve, "reject": _reject, "needs_info": _needs_info, "disqualify": _disqualify,
}


@role_required
@require_POST
def draft_action(request: HtmxHttpRequest, draft_id: Any, action: str) -> HttpResponse:
    """One of the draft editor's buttons; each has its own named URL (outreach:draft_<action>)."""
    if action == "save":
        missing = [name for name in SAVE_FIELDS if not request.POST.get(name, "").strip()]
        if missing:
            return _missing(request, get_object_or_404(EmailDraft.objects.select_related("lead"), pk=draft_id),
                            missing)
    return _act(request, draft_id, lambda draft: ACTIONS[action](request, draft))


@role_required
@require_POST
def regenerate(request: HtmxHttpRequest, draft_id: Any) -> HttpResponse:
    """A draft waiting for review, written again: from its template, another template of its kind, or by the LLM
    with the rep's instruction ("shorter"). The new draft replaces it and waits for review in its place."""
    draft = get_object_or_404(EmailDraft.objects.select_related("lead"), pk=draft_id)
    if gates.Act.SAVE not in gates.allowed_acts(draft, request.user):
        return _draft_response(request, draft, error="This draft can no longer be changed, so it is not rewritten.")
    try:
        new = redrafting.redraft(draft.lead, user=request.user, template_key=request.POST.get("template") or None,
                                 variant=draft.variant, use_llm=request.POST.get("use_llm") == "on",
                                 instruction=request.POST.get("instruction", ""))
    except ValidationError as failure:
        return _draft_response(request, draft, error=" ".join(failure.messages))
    how = "by the LLM" if new.generated_by == EmailDraft.GeneratedBy.LLM else "from the template"
    return _draft_response(request, new, notice=f"Written again {how}; the earlier draft is cancelled.")


@role_required
@require_POST
def redraft(request: HtmxHttpRequest, lead_id: Any) -> HttpResponse:
    """The lead page's "Write a new email": from a template, or written by the LLM with the rep's note."""
    lead = get_object_or_404(Lead, pk=lead_id)
    error, notice = "", ""
    try:
        draft = redrafting.redraft(lead, user=request.user, template_key=request.POST.get("template") or None,
                                   use_llm=request.POST.get("use_llm") == "on",
                                   instruction=request.POST.get("instruction", ""))
        notice = f"A new {draft.get_variant_display().lower()} email is ready for review."
    except ValidationError as failure:
        error = " ".join(failure.messages)
    except PermissionDenied as failure:
        error = str(failure)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect(lead)
    lead = lead_page.get_lead(lead.pk)
    context = {**lead_page.context(lead, request.user), "draft_error": error, "draft_saved": notice,
               "redraft_typed": request.POST}
    return lead_page.partial_response(request, "draft-editor", context, status=422 if error else 200)


def _decided(request: HtmxHttpRequest, lead_id: Any, decide: Callable[[Lead], str]) -> HttpResponse:
    """A manager's decision on a waiting disqualification; back to the page it was taken on."""
    lead = get_object_or_404(Lead, pk=lead_id)
    try:
        messages.success(request, decide(lead))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("outreach:review") if request.POST.get("from") == "review" else redirect(lead)


@manager_required
@require_POST
def confirm_disqualification(request: HtmxHttpRequest, lead_id: Any) -> HttpResponse:
    def confirm(lead: Lead) -> str:
        approval.confirm_disqualification(lead, request.user)
        return f"{lead} is disqualified; its unsent emails are cancelled."

    return _decided(request, lead_id, confirm)


@manager_required
@require_POST
def keep_lead(request: HtmxHttpRequest, lead_id: Any) -> HttpResponse:
    def keep(lead: Lead) -> str:
        approval.keep_lead(lead, request.user)
        return f"{lead} stays open: the disqualification was declined."

    return _decided(request, lead_id, keep)


@role_required
@require_POST
def email_line_decision(request: HtmxHttpRequest, lead_id: Any, decision: str) -> HttpResponse:
    """A rep or manager approves or declines the LLM's suggestion to move a lead across the email line."""
    lead = get_object_or_404(Lead, pk=lead_id)
    try:
        messages.success(request, (email_line.approve if decision == "approve" else email_line.decline)(
            lead, request.user))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(lead)


@manager_required
@require_POST
def send_now(request: HtmxHttpRequest, draft_id: Any) -> HttpResponse:
    """A manager sends an approved email the send window holds, now (the quotas and checks still apply)."""
    draft = get_object_or_404(EmailDraft.objects.select_related("lead"), pk=draft_id)
    try:
        approval.send_now(draft, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, sending.where_it_stands(draft).replace("Approved and sent", "Sent", 1))
    return redirect(draft.lead)
