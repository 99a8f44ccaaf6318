"""Owners in bulk: a selection or a filter's whole result (counted and confirmed first), and the assignment rules
managers set for new leads."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from console.work_forms import AssignmentRuleForm, OwnerForm
from leadops import jobs
from leadops.http import HtmxHttpRequest, posted_uuids
from leadops.models import Job
from leadops.roles import manager_required, role_required
from leads.assignment import BATCH, assign, may_assign, person_name
from leads.filters import OPEN, LeadFilters, filtered_leads
from leads.models import AssignmentRule, Lead
from leads.tasks import assign_filtered


def _back(query: str) -> HttpResponse:
    return redirect(reverse("leads:dashboard") + (f"?{query}" if query else ""))


def _told(count: int, owner: Any) -> str:
    leads = f"{count} lead{'s' if count != 1 else ''}"
    return f"{leads} assigned to {person_name(owner)}." if owner else f"{leads} no longer have an owner."


@role_required
@require_http_methods(["GET", "POST"])
def bulk_assign(request: HtmxHttpRequest) -> HttpResponse:
    """POST with ticked leads: assign them. `scope=all`: GET shows how many match the filters and asks; the
    confirming POST assigns them all."""
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("query", "")
    form = OwnerForm(data)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["owner"]))
        return _back(query)
    owner = form.cleaned_data["owner"]
    if data.get("scope") != "all":
        if request.method != "POST":
            return _back(query)
        chosen = Lead.objects.filter(pk__in=posted_uuids(data.getlist("lead")))
        if not chosen.exists():
            messages.info(request, "Tick the leads to assign first, or assign every lead that matches the filters.")
            return _back(query)
        refusal = may_assign(request.user, chosen, owner)
        if refusal:
            messages.error(request, refusal)
            return _back(query)
        messages.success(request, _told(assign(chosen, owner, request.user), owner))
        return _back(query)
    filters = LeadFilters.from_query(QueryDict(query), default_status=OPEN)
    if filters.errors:
        messages.error(request, " ".join(filters.errors.values()))
        return _back(query)
    leads = filtered_leads(filters, request.user)
    # Refused before the count is shown, so nobody confirms what cannot happen.
    refusal = may_assign(request.user, leads, owner)
    if refusal:
        messages.error(request, refusal)
        return _back(query)
    if request.method == "POST" and data.get("confirm") == "1":
        waiting = leads.exclude(owner=owner) if owner else leads.filter(owner__isnull=False)
        count = waiting.count()
        if count <= BATCH:
            changed = assign(leads, owner, request.user, reason="bulk assignment of a filter's result")
            messages.success(request, _told(changed, owner))
            return _back(query)
        # More than one batch: the worker does it, and the job's page follows it (no page waits for it).
        job = jobs.start(Job.Kind.ASSIGN, f"Assigning {count:,} leads to {person_name(owner) or 'nobody'}",
                         total=count, user=request.user,
                         link=reverse("leads:dashboard") + (f"?owner={owner.pk}" if owner else "?owner=none"))
        assign_filtered.delay_on_commit(query, owner.pk if owner else None, request.user.pk, str(job.pk))
        return redirect("jobs:detail", job_id=job.pk)
    return render(request, "leads/assign_confirm.html", {
        "count": leads.count(), "owner": owner, "owner_name": person_name(owner), "query": query,
        "already": leads.filter(owner=owner).count() if owner else leads.filter(owner__isnull=True).count(),
    })


@manager_required
@require_http_methods(["GET", "POST"])
def assignment_rules(request: HtmxHttpRequest) -> HttpResponse:
    form = AssignmentRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rule = form.save(commit=False)
        rule.created_by = request.user
        rule.save()
        form.save_m2m()
        messages.success(request, f"Rule “{rule.name}” saved: it gives new leads an owner after qualification.")
        return redirect("leads:assignment_rules")
    rules = AssignmentRule.objects.prefetch_related("reps").order_by("position", "id")
    rows = [{"rule": rule, "reps": ", ".join(person_name(rep) for rep in rule.reps.all()),
             "matches": _matches(rule)} for rule in rules]
    return render(request, "leads/assignment_rules.html", {"form": form, "rows": rows},
                  status=422 if form.errors else 200)


def _matches(rule: AssignmentRule) -> str:
    parts = [f"source {rule.get_source_display()}" if rule.source else "",
             f"country {rule.country}" if rule.country else "",
             f"label {rule.get_label_display()}" if rule.label else ""]
    return ", ".join(part for part in parts if part) or "every new lead"


@manager_required
@require_POST
def assignment_rule_change(request: HtmxHttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(AssignmentRule, pk=rule_id)
    if request.POST.get("action") == "delete":
        rule.delete()
        messages.success(request, f"Rule “{rule.name}” deleted; the leads it gave keep their owners.")
    else:
        rule.is_active = not rule.is_active
        rule.save(update_fields=["is_active", "updated_at"])
        messages.success(request, f"Rule “{rule.name}” {'is on' if rule.is_active else 'is off'}.")
    return redirect("leads:assignment_rules")
