"""Views for leads: the dashboard and lead pages."""

import codecs
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect
from django_ratelimit.decorators import ratelimit

from console import charts, lead_page
from console import dashboard as lead_dashboard
from console.forms import LeadEditForm, LeadForm, NoteForm
from console.import_forms import ColumnMappingForm, ImportUploadForm, accepts_one_field_per_column
from leadops.http import HtmxHttpRequest
from leadops.models import Job
from leadops.roles import manager_required, role_required
from leads import erasure, intake, outcomes
from leads.export import ExportFormat, LeadExport
from leads.filters import OPEN, SORTS, STATUS_GROUPS, LeadFilters, filtered_leads
from leads.importing import columns
from leads.importing import jobs as import_jobs
from leads.importing.sniff import RefusedFile
from leads.importing.sniff import inspect as inspect_csv
from leads.intake import IntakeError, OnDuplicate, ingest
from leads.models import ActivityLog, ImportJob, Lead
from leads.tasks import run_import
from outreach import replies


@role_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """KPIs and charts (cached), and the leads table whose filters live in the URL."""
    # Closed and disqualified leads would otherwise bury the ones still being worked.
    filters = LeadFilters.from_query(request.GET, default_status=OPEN)
    generation = lead_dashboard.version()

    def summary() -> dict[str, Any]:
        stats = lead_dashboard.compute_kpis()
        html = render_to_string("leads/dashboard.html#kpi-panel", {
            "kpis": stats,
            "funnel_chart": charts.funnel(stats["funnel"]),
            "histogram_chart": charts.histogram(stats["histogram"]),
            "conversion_chart": charts.conversion(stats["conversion"]),
        })
        return {"kpis": stats, "html": html, "owners": lead_dashboard.owner_choices()}

    # Rendering the charts costs more than reading the numbers: the HTML is cached with them.
    cached = lead_dashboard.cached("summary", summary, generation)
    matching = (lead_dashboard.matching_count(filters, request.user, generation) if filters.export_query()
                else cached["kpis"]["total"])
    page = lead_dashboard.page_of_leads(filters, request.user, matching)
    context = {
        "filters": filters,
        "page": page,
        "matching": matching,
        "sort_queries": {key: filters.query_string(sort=key) for key in SORTS},
        "next_query": filters.query_string(after=page.next_cursor, page=page.number + 1),
        "previous_query": filters.query_string(before=page.previous_cursor, page=page.number - 1),
        "first_query": filters.query_string(),
        "page_count": max(1, -(-matching // lead_dashboard.PAGE_SIZE)),
        "owners": cached["owners"],
    }
    if request.htmx and request.htmx.target == "lead-table":
        return render(request, "leads/dashboard.html#lead-table", context)
    context.update({
        "kpis": cached["kpis"], "kpi_panel": cached["html"],
        "status_groups": STATUS_GROUPS.items(),
        "statuses": Lead.Status.choices, "labels": Lead.Label.choices, "sources": Lead.Source.choices,
    })
    return render(request, "leads/dashboard.html", context)


@role_required
@require_GET
def lead_detail(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    """Everything about one lead; an HTMX poll gets just the timeline (to watch a send land) or the score."""
    try:
        lead = lead_page.get_lead(lead_id)
    except Lead.DoesNotExist:
        raise Http404("No lead with this id.") from None
    full_timeline = request.GET.get("timeline") == "all"
    if request.htmx and request.htmx.target == "timeline":
        return render(request, "leads/lead_detail.html#timeline", {
            "lead": lead, **lead_page.timeline(lead, full=full_timeline),
            "awaiting_send": lead_page.awaiting_send(lead)})
    if request.htmx and request.htmx.target == "score":
        # The score card asking whether the worker's run has landed; once it has, the parts it changed come too.
        context = lead_page.context(lead, request.user, full_timeline=full_timeline)
        also = () if context["being_qualified"] else lead_page.CHANGED_BY_QUALIFYING
        return lead_page.partial_response(request, "score", context, also=also)
    return render(request, "leads/lead_detail.html",
                  lead_page.context(lead, request.user, full_timeline=full_timeline))


@role_required
@require_POST
def record_outcome(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=lead_id)
    error = ""
    try:
        feedback = outcomes.record_outcome(lead, request.POST.get("outcome", ""), request.POST.get("notes", ""),
                                           user=request.user)
    except ValidationError as problem:
        error = " ".join(problem.messages) if request.POST.get("outcome") else "Choose an outcome to record."
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Outcome recorded: {feedback.get_outcome_display()}.")
        return redirect(lead)
    lead = lead_page.get_lead(lead.pk)
    context = {**lead_page.context(lead, request.user), "outcome_error": error}
    return lead_page.partial_response(request, "outcome-form", context, status=422 if error else 200)


@role_required
@require_POST
def log_reply(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    """A reply that came by phone, LinkedIn or a forwarded email; classified unless the person chose."""
    lead = get_object_or_404(Lead, pk=lead_id)
    error = notice = ""
    try:
        classification = replies.log_reply(lead, request.user, request.POST.get("text", ""),
                                           request.POST.get("classification") or None)
    except ValidationError as problem:
        error = " ".join(problem.messages)
    else:
        notice = f"Reply logged as {replies.Classification(classification).label.lower()}."
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect(lead)
    context = {**lead_page.context(get_object_or_404(Lead, pk=lead_id), request.user),
               "reply_error": error, "reply_notice": notice}
    return lead_page.partial_response(request, "reply-form", context, status=422 if error else 200)


@role_required
@require_POST
def lead_edit(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    """Save the details a rep filled in or corrected (the reply to a "needs info" question, say)."""
    lead = get_object_or_404(Lead, pk=lead_id)
    form = LeadEditForm(request.POST, lead=lead)
    result = None
    if form.is_valid():
        try:
            result = intake.edit(lead, form.cleaned_data, actor=request.user)
        except IntakeError as error:
            form.add_intake_errors(error)
    # Read again: with tasks run inline the lead has been qualified again by now.
    lead = lead_page.get_lead(lead.pk)
    notice = _edit_notice(result, lead) if result else ""
    if not request.htmx and not form.errors:
        messages.success(request, notice)
        return redirect(lead)
    context = {**lead_page.context(lead, request.user, edit_form=form if form.errors else None),
               "profile_notice": notice}
    status = 422 if form.errors else 200
    if not request.htmx:
        # Without JavaScript the whole page comes back, the form open with what was typed and what is wrong.
        return render(request, "leads/lead_detail.html", context, status=status)
    # A re-qualification already done (tasks run inline) changed the score, the status, the draft and the runs.
    return lead_page.partial_response(request, "profile", context, status=status,
                                      also=(*lead_page.CHANGED_BY_ACTIONS, "score", "runs"))


def _edit_notice(result: intake.IntakeResult, lead: Lead) -> str:
    if not result.changed_fields:
        return "Nothing changed."
    changed = ", ".join(name.replace("_", " ") for name in result.changed_fields)
    if not result.requalifying:
        return f"Saved: {changed}."
    if lead.qualified_at is None:
        return f"Saved: {changed}. The lead is being qualified again with the new details."
    return f"Saved: {changed}. Qualified again with the new details."


@role_required
@require_POST
def add_note(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=lead_id)
    form = NoteForm(request.POST)
    error = notice = ""
    if form.is_valid():
        ActivityLog.record(lead, ActivityLog.Type.NOTE, actor=request.user, payload={"text": form.cleaned_data["text"]})
        notice = "Note added."
    else:
        error = " ".join(form.errors["text"])
    if not request.htmx and not error:
        messages.success(request, notice)
        return redirect(lead)
    context = {**lead_page.context(lead_page.get_lead(lead.pk), request.user),
               "note_error": error, "note_notice": notice, "note_text": request.POST.get("text", "") if error else ""}
    status = 422 if error else 200
    if not request.htmx:
        # Without JavaScript a refused note comes back on the whole page, its text kept for shortening.
        return render(request, "leads/lead_detail.html", context, status=status)
    # Only the timeline changes: the draft editor is left alone, with whatever is being typed in it.
    return lead_page.partial_response(request, "note-form", context, status=status, also=("timeline",))


@manager_required
@require_POST
def clear_gate(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=lead_id)
    if lead.needs_approval:
        lead.clear_approval_gate(request.user)
        messages.success(request, "Approval gate cleared: reps can now approve this lead's drafts.")
    return redirect(lead)


@manager_required
@require_POST
def erase_person(request: HtmxHttpRequest, lead_id: uuid.UUID) -> HttpResponse:
    """A manager erases the person behind a lead (a data-protection request), once they ticked the confirmation."""
    lead = get_object_or_404(Lead, pk=lead_id)
    if lead.erased_at is not None:
        messages.info(request, "This person's personal data was already erased.")
    elif request.POST.get("confirm") != "yes":
        messages.error(request, "Nothing was erased: tick the box to confirm that the erasure cannot be undone.")
    else:
        erasure.erase(lead, actor=request.user)
        messages.success(request, "Personal data erased. The timeline keeps its entries without it, and the "
                                  "address stays only as a hash on the do-not-contact list.")
    return redirect(lead)


@role_required
@require_GET
def export_download(request: HtmxHttpRequest) -> HttpResponse:
    """The dashboard's "Download CSV": the leads matching its filters, streamed as they are read."""
    filters = LeadFilters.from_query(request.GET)
    if filters.errors:
        return HttpResponseBadRequest("; ".join(filters.errors.values()))
    export = LeadExport(filtered_leads(filters, request.user), format=ExportFormat.CSV)
    response = StreamingHttpResponse(export.chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="leads-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response


@role_required
@require_http_methods(["GET", "POST"])
def lead_new(request: HtmxHttpRequest) -> HttpResponse:
    """Type a lead in by hand. It goes through intake like every other door; a known one is linked, not copied."""
    form = LeadForm(request.POST or None)
    existing = None
    if request.method == "POST" and form.is_valid():
        result = ingest(form.lead_input, source=form.cleaned_data["source"], actor=request.user,
                        on_duplicate=OnDuplicate.SKIP)
        if result.created:
            messages.success(request, f"Lead {result.lead} created; it is being qualified.")
            if request.htmx:
                return HttpResponseClientRedirect(result.lead.get_absolute_url())
            return redirect(result.lead)
        existing = result.lead
    template = "leads/lead_form.html#lead-form" if request.htmx else "leads/lead_form.html"
    return render(request, template, {"form": form, "existing": existing})


# --- CSV import: upload -> preview and mapping -> job with live progress -> error CSV -----------------
def _import_job_or_404(request: HtmxHttpRequest, job_id: uuid.UUID) -> ImportJob:
    return get_object_or_404(import_jobs.visible_jobs(request.user), pk=job_id)


@role_required
@ratelimit(key="user", rate=lambda group, request: settings.UPLOAD_RATE_LIMIT, method="POST", block=True)
def import_upload(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: choose a file. It is inspected at once; an unusable file is refused here with the reason."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job, _ = import_jobs.create_job(form.cleaned_data["file"], source=form.cleaned_data["source"],
                                            on_duplicate=form.cleaned_data["on_duplicate"], user=request.user)
        except RefusedFile as refusal:
            form.add_error("file", str(refusal))
        else:
            return redirect("leads:import_preview", job_id=job.pk)
    recent = import_jobs.visible_jobs(request.user)[:10]
    return render(request, "leads/import.html", {"form": form, "recent": recent})


@role_required
@accepts_one_field_per_column
def import_preview(request: HtmxHttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Step 2: what we detected, the first rows and the column mapping, which the user can change."""
    job = _import_job_or_404(request, job_id)
    if job.status != ImportJob.Status.PENDING:
        return redirect("leads:import_job", job_id=job.pk)
    shape = inspect_csv(job.file.path, job.original_name)
    form = ColumnMappingForm(request.POST or None, header=shape.header, mapping=job.column_mapping)
    if request.method == "POST" and form.is_valid():
        import_jobs.set_mapping(job, form.mapping(), form.won_value_set())
        run_import.delay_on_commit(str(job.pk))
        return redirect("leads:import_job", job_id=job.pk)
    recognised = bool(columns.IDENTITY_FIELDS.intersection(job.column_mapping.values()))
    return render(request, "leads/import_preview.html",
                  {"job": job, "shape": shape, "form": form, "recognised": recognised})


@role_required
@require_GET
@vary_on_headers("HX-Request")
def import_job(request: HtmxHttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """Step 3: progress while it runs (HTMX polls the partial twice a second), then the accounting."""
    job = _import_job_or_404(request, job_id)
    template = "leads/import_job.html#job-progress" if request.htmx else "leads/import_job.html"
    qualifying = Job.objects.filter(subject=f"import:{job.pk}", kind=Job.Kind.QUALIFY).first()
    return render(request, template, {"job": job, "qualifying": qualifying})


@role_required
@require_GET
def import_errors(request: HtmxHttpRequest, job_id: uuid.UUID) -> StreamingHttpResponse:
    """Every invalid row with its row number, column, value and reason, as a CSV file."""
    job = _import_job_or_404(request, job_id)
    if not job.error_file:
        raise Http404("This import has no invalid rows.")
    name = f"{job.original_name.rsplit('.', 1)[0][:80]}-errors.csv"
    response = StreamingHttpResponse(_with_bom(job.error_file.open("rb")), content_type="text/csv; charset=utf-8")
    # Like the lead export: the BOM makes Excel read the file as UTF-8 (names with accents stay whole).
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


def _with_bom(stored: Any) -> Iterator[bytes]:
    with stored:
        first = stored.read(64 * 1024)
        yield first if first.startswith(codecs.BOM_UTF8) else codecs.BOM_UTF8 + first
        while chunk := stored.read(64 * 1024):
            yield chunk
