"""The Templates pages: the email templates a team owns (outreach.template_store).

Managers create and edit templates (subject, body, merge fields from a picker, kind of email, source and industry),
with a live preview on a real lead that shows the compliance lint and the wording check before anything is saved,
and every save kept as a version (who changed what, the changes, roll back). Reps see the same pages read-only:
their POSTs are refused (403).
"""

import difflib
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.template_forms import EmailTemplateForm
from leadops.http import HtmxHttpRequest
from leadops.roles import is_manager, manager_required, role_required
from leads.models import Lead
from outreach import compliance, drafting, template_store
from outreach.merge_fields import MERGE_FIELDS
from outreach.models import EmailTemplate
from outreach.wording import shape_problems

PREVIEW_LEADS = 40


def _template(key: str) -> EmailTemplate:
    """The template by key; a seed template missing from the table (a fresh database) is created first."""
    try:
        return template_store.get(key)
    except ValueError:
        raise Http404("No such email template") from None


def _preview_leads() -> list[Lead]:
    """Recent leads with an address, for the preview's pick list."""
    return list(Lead.objects.filter(erased_at__isnull=True).exclude(email="")
                .only("id", "first_name", "last_name", "company_name", "source")
                .order_by("-created_at")[:PREVIEW_LEADS])


def _preview_lead(request: HtmxHttpRequest, leads: list[Lead]) -> Lead | None:
    wanted = request.POST.get("preview_lead") or request.GET.get("preview_lead") or (str(leads[0].pk) if leads else "")
    try:
        return Lead.objects.filter(pk=wanted, erased_at__isnull=True).first() if wanted else None
    except ValidationError:  # not a lead's id: the first of the list instead
        return Lead.objects.filter(pk=leads[0].pk).first() if leads else None


def preview(subject: str, body: str, lead: Lead | None, key: str = "preview") -> dict[str, Any]:
    """The template rendered for the lead, with what the lint and the wording check say about it."""
    errors = drafting.template_errors(subject, body)
    if errors:
        return {"errors": [problem for problems in errors.values() for problem in problems], "blocking": [],
                "warnings": [], "email": None}
    if lead is None:
        return {"errors": [], "blocking": [], "warnings": [], "email": None}
    template = SimpleNamespace(key=key, subject=subject, body=body, version=None)
    email = drafting.render_template(lead, template, questions="- What would you like to achieve, and by when?")
    lint = compliance.lint(email.subject, email.body, compliance.footer_for(lead.email or "someone@example.com"),
                           lead=lead)
    warnings = lint.warnings + shape_problems(email.subject, email.body, lead=lead, template_text=f"{subject}\n{body}")
    return {"errors": [], "blocking": lint.blocking, "warnings": warnings, "email": email}


@role_required
@require_GET
def templates_page(request: HtmxHttpRequest) -> HttpResponse:
    template_store.ensure_seeded()
    labels = dict(EmailTemplate.Purpose.choices)
    groups: dict[str, list[EmailTemplate]] = {}
    for template in EmailTemplate.objects.order_by("purpose", "-is_active", "source", "industry", "key"):
        groups.setdefault(labels.get(template.purpose, template.purpose), []).append(template)
    return render(request, "outreach/templates.html", {"groups": groups, "can_edit": is_manager(request.user)})


@role_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HtmxHttpRequest, key: str | None = None) -> HttpResponse:
    can_edit = is_manager(request.user)
    if (request.method == "POST" or key is None) and not can_edit:
        raise PermissionDenied("Only managers can change email templates.")
    template = _template(key) if key else None
    copied = EmailTemplate.objects.filter(key=request.GET.get("copy", "")).first() if key is None else None
    initial = {} if copied is None else {"purpose": copied.purpose, "subject": copied.subject, "body": copied.body,
                                         "name": f"{copied.name} (copy)"}
    form = EmailTemplateForm(request.POST or None, instance=template, initial=initial)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    leads = _preview_leads()
    lead = _preview_lead(request, leads)
    source = request.POST if request.method == "POST" else {}
    subject = source.get("subject", template.subject if template else initial.get("subject", ""))
    body = source.get("body", template.body if template else initial.get("body", "")).replace("\r\n", "\n")
    shown = preview(subject, body, lead, key or "new")
    context = {"form": form, "template": template, "can_edit": can_edit, "preview": shown, "preview_lead": lead,
               "preview_leads": leads, "merge_fields": MERGE_FIELDS.items(),
               "versions": template.versions.select_related("changed_by")[:30] if template else []}
    if request.method == "POST":
        if "preview" in request.POST:
            if request.htmx:
                return render(request, "outreach/template_edit.html#template-preview", context)
            return render(request, "outreach/template_edit.html", context)
        if form.is_valid() and not shown["blocking"]:
            saved = form.save(commit=False)
            version = template_store.save_template(saved, by=request.user)
            messages.success(request, f"Saved “{saved.name}” as version {version.number}.")
            return redirect("outreach:template_edit", key=saved.key)
        if shown["blocking"]:
            form.add_error(None, "Not saved: the preview has problems the lint does not let through (listed below).")
        return render(request, "outreach/template_edit.html", context, status=422)
    return render(request, "outreach/template_edit.html", context)


def _diff(old: str, new: str) -> list[dict[str, str]]:
    rows = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        mark, text = line[:1], line[2:]
        if mark == "?":
            continue
        rows.append({"kind": {"+": "added", "-": "removed"}.get(mark, "same"), "text": text})
    return rows


@role_required
@require_GET
def template_version(request: HtmxHttpRequest, key: str, number: int) -> HttpResponse:
    template = _template(key)
    version = get_object_or_404(template.versions.select_related("changed_by"), number=number)
    before = template.versions.filter(number__lt=number).order_by("-number").first()
    context = {"template": template, "version": version, "before": before, "can_edit": is_manager(request.user),
               "subject_diff": _diff(before.subject if before else "", version.subject),
               "body_diff": _diff(before.body if before else "", version.body)}
    return render(request, "outreach/template_version.html", context)


@manager_required
@require_POST
def template_roll_back(request: HtmxHttpRequest, key: str, number: int) -> HttpResponse:
    template = _template(key)
    get_object_or_404(template.versions, number=number)
    version = template_store.roll_back(template, number, by=request.user)
    messages.success(request, f"Rolled “{template.name}” back to version {number}; saved as version {version.number}.")
    return redirect("outreach:template_edit", key=template.key)
