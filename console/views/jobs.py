"""The Jobs page: every long background job (imports, their qualification, re-scores, trainings), live."""

import uuid
from itertools import chain

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from leadops import jobs
from leadops.http import HtmxHttpRequest
from leadops.roles import role_required
from leads.importing import jobs as import_jobs

RECENT = 30


@role_required
@require_GET
def jobs_page(request: HtmxHttpRequest) -> HttpResponse:
    """The newest jobs the user may see, imports among them, newest first; it refreshes while one runs."""
    entries = sorted(
        chain(
            ({"job": job, "import": None, "created_at": job.created_at} for job in jobs.visible(request.user)[:RECENT]),
            ({"job": None, "import": job, "created_at": job.created_at}
             for job in import_jobs.visible_jobs(request.user)[:RECENT]),
        ),
        key=lambda entry: entry["created_at"], reverse=True,
    )[:RECENT]
    running = any(not (entry["job"] or entry["import"]).is_finished for entry in entries)
    template = "jobs/jobs.html#job-list" if request.htmx else "jobs/jobs.html"
    return render(request, template, {"entries": entries, "running": running})


@role_required
@require_GET
def job_detail(request: HtmxHttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """One job's progress (HTMX polls the partial twice a second while it runs), then how it ended."""
    job = get_object_or_404(jobs.visible(request.user), pk=job_id)
    template = "jobs/job.html#job-progress" if request.htmx else "jobs/job.html"
    return render(request, template, {"job": job})
