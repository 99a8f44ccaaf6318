"""A rep's work on one lead: its owner and its tasks (from the lead page and from Today)."""

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from console import lead_page, today
from console.work_forms import OwnerForm, RescheduleForm, TaskForm
from leadops.http import HtmxHttpRequest
from leadops.roles import role_required
from leads import rep_tasks
from leads.assignment import assign, may_assign, person_name
from leads.models import Lead, Task


def _answer(request: HtmxHttpRequest, lead: Lead, *, notice: str = "", error: str = "",
            form_data: dict | None = None) -> HttpResponse:
    """Today's task list when the action came from Today, else the lead page's owner-and-tasks card (and timeline)."""
    came_from_today = request.POST.get("from") == "today"
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("leads:today") if came_from_today else redirect(lead)
    status = 422 if error else 200
    if came_from_today:
        part = "hot" if request.POST.get("part") == "hot" else "tasks"
        return today.render_part(request, part, notice=notice, error=error, status=status)
    context = {**lead_page.context(lead_page.get_lead(lead.pk), request.user),
               "work_notice": notice, "work_error": error, "task_form_data": form_data or {}}
    return lead_page.partial_response(request, "work", context, status=status, also=("timeline",))


@role_required
@require_POST
def assign_lead(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    lead = get_object_or_404(Lead.objects.select_related("owner"), pk=lead_id)
    form = OwnerForm(request.POST)
    if not form.is_valid():
        return _answer(request, lead, error=" ".join(form.errors["owner"]))
    owner = form.cleaned_data["owner"]
    refusal = may_assign(request.user, [lead], owner)
    if refusal:
        return _answer(request, lead, error=refusal)
    changed = assign([lead], owner, request.user)
    if not changed:
        notice = f"{person_name(owner)} already owns this lead." if owner else "The lead had no owner already."
    else:
        notice = f"Assigned to {person_name(owner)}." if owner else "The lead has no owner now."
    return _answer(request, lead, notice=notice)


@role_required
@require_POST
def task_add(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    lead = get_object_or_404(Lead.objects.select_related("owner"), pk=lead_id)
    form = TaskForm(request.POST)
    if not form.is_valid():
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
        return _answer(request, lead, error=error, form_data=request.POST.dict())
    data = form.cleaned_data
    task = rep_tasks.create_task(lead, kind=data["kind"], title=data["title"], due_at=data["due_at"],
                                 notes=data["notes"], created_by=request.user,
                                 assignee=None if lead.owner_id else request.user)
    return _answer(request, lead, notice=f"Task added: {task.title}.")


@role_required
@require_POST
def task_done(request: HtmxHttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("lead"), pk=task_id)
    if rep_tasks.complete_task(task, request.user):
        return _answer(request, task.lead, notice=f"Done: {task.title}.")
    return _answer(request, task.lead, notice=f"“{task.title}” was already {task.get_status_display().lower()}.")


@role_required
@require_POST
def task_cancel(request: HtmxHttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("lead"), pk=task_id)
    if rep_tasks.cancel_task(task, request.user, reason="cancelled on the lead page"):
        return _answer(request, task.lead, notice=f"Cancelled: {task.title}.")
    return _answer(request, task.lead, notice=f"“{task.title}” was already {task.get_status_display().lower()}.")


@role_required
@require_POST
def task_reschedule(request: HtmxHttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("lead"), pk=task_id)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _answer(request, task.lead, error=" ".join(form.errors["due_at"]))
    due = form.cleaned_data["due_at"]
    if not rep_tasks.reschedule_task(task, due, request.user):
        return _answer(request, task.lead, error=f"“{task.title}” is {task.get_status_display().lower()}: "
                                                 "it cannot be moved.")
    when = f"due {timezone.localtime(due):%Y-%m-%d %H:%M}" if due else "no due date"
    return _answer(request, task.lead, notice=f"“{task.title}” moved: {when}.")
