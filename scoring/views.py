"""Views for the scoring app: the "Scoring model" page (managers) with activation and rollback."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from leadops.http import HtmxHttpRequest
from leadops.roles import manager_required
from scoring.learning import report
from scoring.models import ScoringConfig


def _model_page(request: HtmxHttpRequest) -> HttpResponse:
    template = "scoring/model.html#model" if request.htmx else "scoring/model.html"
    return render(request, template, report.page_context())


@manager_required
@require_GET
def model_page(request: HtmxHttpRequest) -> HttpResponse:
    return _model_page(request)


@manager_required
@require_POST
def activate_version(request: HtmxHttpRequest, version: int) -> HttpResponse:
    """A manager makes any version the one that scores leads (a learned candidate, or an earlier one)."""
    config = get_object_or_404(ScoringConfig, version=version)
    config.activate(request.user)
    messages.success(request, f"v{config.version} ({config.get_source_display()}) now scores leads; open leads are being re-scored with it.")
    return _model_page(request) if request.htmx else redirect("scoring:model")


@manager_required
@require_POST
def rollback_version(request: HtmxHttpRequest) -> HttpResponse:
    """Re-activate the version that was active before the current one."""
    current = ScoringConfig.objects.filter(is_active=True).first()
    previous = report.previous_active(current)
    if previous is None:
        messages.error(request, "There is no earlier active version to roll back to.")
    else:
        previous.activate(request.user)
        messages.success(request, f"Rolled back to v{previous.version} ({previous.get_source_display()}).")
    return _model_page(request) if request.htmx else redirect("scoring:model")
