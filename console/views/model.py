"""Views for the scoring app: the "Scoring model" page (managers) with training, activation and rollback."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from console import dashboard as lead_dashboard
from leadops import cache, jobs
from leadops.http import HtmxHttpRequest
from leadops.models import Job
from leadops.roles import manager_required
from scoring import requalification, versions
from scoring.learning import report
from scoring.models import ScoringConfig
from scoring.tasks import retrain_scoring


def _model_page(request: HtmxHttpRequest) -> HttpResponse:
    template = "scoring/model.html#model" if request.htmx else "scoring/model.html"
    # The dashboard's conversion figure, from the same function and cache, beside the model's held-out test.
    live = cache.cached("conversion", lead_dashboard.conversion_by_label)
    return render(request, template, {**report.page_context(), "live_conversion": live})


@manager_required
@require_GET
def model_page(request: HtmxHttpRequest) -> HttpResponse:
    return _model_page(request)


def confirm_activation(request: HtmxHttpRequest, config: ScoringConfig, action: str, url: str,
                       cancel: str = "scoring:model") -> HttpResponse:
    """Activating re-scores every open lead: say how many and ask first (the form posts again with `confirmed`).

    The Settings page's version history asks the same way (`cancel` names the page to go back to).
    """
    context = {"config": config, "action": action, "url": url, "open_leads": requalification.open_lead_count(),
               "cancel": reverse(cancel)}
    template = "scoring/model.html#confirm" if request.htmx else "scoring/model_confirm.html"
    return render(request, template, context)


def _started(request: HtmxHttpRequest, job: Job, text: str) -> HttpResponse:
    messages.success(request, text)
    return to_job(request, job)


def to_job(request: HtmxHttpRequest, job: Job) -> HttpResponse:
    """The job's own page follows it live; an HTMX post is told to go there rather than swap a partial."""
    url = reverse("jobs:detail", args=[job.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@manager_required
@require_POST
def activate_version(request: HtmxHttpRequest, version: int) -> HttpResponse:
    """A manager makes any version the one that scores leads (a learned candidate, or an earlier one)."""
    config = get_object_or_404(ScoringConfig, version=version)
    if "confirmed" not in request.POST:
        return confirm_activation(request, config, f"Activate v{config.version}",
                                  reverse("scoring:model_activate", args=[config.version]))
    job = versions.activate(config, request.user)
    return _started(request, job, f"v{config.version} ({config.get_source_display()}) now scores leads; "
                                  f"{job.total:,} open leads are being re-scored with it.")


@manager_required
@require_POST
def rollback_version(request: HtmxHttpRequest) -> HttpResponse:
    """Re-activate the version that was active before the current one."""
    current = ScoringConfig.objects.filter(is_active=True).first()
    previous = report.previous_active(current)
    if previous is None:
        messages.error(request, "There is no earlier active version to roll back to.")
        return _model_page(request) if request.htmx else redirect("scoring:model")
    if "confirmed" not in request.POST:
        return confirm_activation(request, previous, f"Roll back to v{previous.version}",
                                  reverse("scoring:model_rollback"))
    job = versions.activate(previous, request.user)
    return _started(request, job, f"Rolled back to v{previous.version} ({previous.get_source_display()}); "
                                  f"{job.total:,} open leads are being re-scored with it.")


@manager_required
@require_POST
def train_now(request: HtmxHttpRequest) -> HttpResponse:
    """Train a candidate from the outcomes recorded so far, without waiting for the next scheduled run.

    The training runs on the worker; the job's page shows its steps and what came of it.
    """
    job = jobs.start(Job.Kind.TRAIN, "Training the scoring model on the recorded outcomes", unit="steps",
                     user=request.user, link=reverse("scoring:model"))
    retrain_scoring.delay_on_commit(force=True, user_id=request.user.pk, job_id=str(job.pk))
    return to_job(request, job)
