"""Views for the scoring app: the "Scoring model" page (managers) with training, activation and rollback."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from console import dashboard as lead_dashboard
from leadops.http import HtmxHttpRequest
from leadops.roles import manager_required
from scoring import versions
from scoring.learning import report
from scoring.models import ScoringConfig
from scoring.tasks import retrain_scoring


def _model_page(request: HtmxHttpRequest) -> HttpResponse:
    template = "scoring/model.html#model" if request.htmx else "scoring/model.html"
    # The dashboard's conversion figure, from the same function and cache, beside the model's held-out test.
    live = lead_dashboard.cached("conversion", lead_dashboard.conversion_by_label)
    return render(request, template, {**report.page_context(), "live_conversion": live})


@manager_required
@require_GET
def model_page(request: HtmxHttpRequest) -> HttpResponse:
    return _model_page(request)


@manager_required
@require_POST
def activate_version(request: HtmxHttpRequest, version: int) -> HttpResponse:
    """A manager makes any version the one that scores leads (a learned candidate, or an earlier one)."""
    config = get_object_or_404(ScoringConfig, version=version)
    versions.activate(config)
    messages.success(request, f"v{config.version} ({config.get_source_display()}) now scores leads; "
                              "open leads are being re-scored with it.")
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
        versions.activate(previous)
        messages.success(request, f"Rolled back to v{previous.version} ({previous.get_source_display()}).")
    return _model_page(request) if request.htmx else redirect("scoring:model")


@manager_required
@require_POST
def train_now(request: HtmxHttpRequest) -> HttpResponse:
    """Train a candidate from the outcomes recorded so far, without waiting for the next scheduled run.

    With a worker the training runs there and the page says so; inline (the embedded default, tasks
    eager) the page shows what came of it at once.
    """
    task = retrain_scoring.delay(force=True, user_id=request.user.pk)
    if not task.ready():
        messages.info(request, "Training started. The new version appears here when it is done (usually within a "
                               "minute); it becomes active only if it beats the active one.")
    else:
        result = task.get()
        if "skipped" in result:
            messages.warning(request, f"Not trained: {result['skipped']}.")
        else:
            state = "it now scores leads" if result["activated"] else "the active version stays"
            messages.success(request, f"Trained v{result['version']} (ROC AUC {result['auc']:.3f}): "
                                      f"{result['decision']}; {state}.")
    return _model_page(request) if request.htmx else redirect("scoring:model")
