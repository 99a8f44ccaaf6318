"""Views for leads: the dashboard and lead pages."""

from django.shortcuts import render

from leadops.http import HtmxHttpRequest
from leads.models import Lead


def dashboard(request: HtmxHttpRequest):  # type: ignore[no-untyped-def]
    leads = Lead.objects.select_related("company").order_by("-created_at")[:50]
    return render(request, "leads/dashboard.html", {"leads": leads})
