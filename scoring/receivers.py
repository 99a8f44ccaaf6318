"""How scoring answers what leads announces: it qualifies the leads intake asks for, learns from outcomes,
and forgets an erased person's runs (their prompts, replies and node summaries).

Connected in `ScoringConfig.ready()`.
"""

from typing import Any

from django.urls import reverse

from leadops import jobs
from leadops.models import Job
from leads.erasure import scrubbed
from scoring import tasks
from scoring.models import Trace


def qualify_wanted_leads(sender: Any, lead_ids: list[Any], import_job: Any = None, actor: Any = None,
                         **kwargs: Any) -> None:
    """`qualification_wanted` (sent once intake's transaction committed): queue the leads for the pipeline.

    An import's leads are counted on one job, so its page and the Jobs page show the qualification's progress.
    """
    job = None
    if import_job:
        job = jobs.add_work(f"import:{import_job}", Job.Kind.QUALIFY, len(lead_ids),
                            title="Qualifying the imported leads", user=actor,
                            link=reverse("leads:import_job", args=[import_job]))
    tasks.enqueue_qualification(lead_ids, job_id=str(job.pk) if job else None)


def retrain_after_outcome(sender: Any, **kwargs: Any) -> None:
    """`outcome_recorded`: once the outcome commits, learning trains when enough new outcomes came in."""
    tasks.retrain_scoring.delay_on_commit()


def forget_person(sender: Any, lead: Any, **kwargs: Any) -> None:
    """`person_erased`: the lead's runs keep their timings, statuses and token counts, not what they read or wrote."""
    traces = list(Trace.objects.filter(lead=lead).only("pk", "node_events"))
    for trace in traces:
        trace.node_events = scrubbed(trace.node_events)
        trace.llm_inputs, trace.llm_outputs, trace.error = [], [], ""
    Trace.objects.bulk_update(traces, ["node_events", "llm_inputs", "llm_outputs", "error"], batch_size=200)
