"""Views for leads: the dashboard and lead pages."""

from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from leadops.http import HtmxHttpRequest
from leadops.roles import role_required
from leads.export import ExportFilters, ExportFormat, LeadExport
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
