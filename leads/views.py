"""Views for leads: the dashboard and lead pages."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from leadops.http import HtmxHttpRequest
from leadops.roles import role_required
from leads.export import ExportFilters, ExportFormat, LeadExport
from leads.forms import LeadForm
from leads.intake import OnDuplicate, ingest
from leads.models import Lead


def dashboard(request: HtmxHttpRequest):  # type: ignore[no-untyped-def]
    leads = Lead.objects.select_related("company").order_by("-created_at")[:50]
    return render(request, "leads/dashboard.html", {"leads": leads})


@role_required
@require_GET
def export_download(request: HtmxHttpRequest) -> HttpResponse:
    """The dashboard's "Download CSV": the leads matching its filters, streamed as they are read."""
    try:
        filters = ExportFilters.parse(
            request.GET.get("status", ""), request.GET.get("label", ""), request.GET.get("source", "")
        )
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    export = LeadExport(filters, format=ExportFormat.CSV)
    response = StreamingHttpResponse(export.chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="leads-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response


@role_required
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
