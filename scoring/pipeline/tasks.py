"""The qualification tasks: thin glue around the runner, exported with the other scoring tasks by scoring.tasks.

`enqueue_qualification(ids)` queues created or changed leads once the transaction commits, in
batches of QUALIFY_BATCH_SIZE for `qualify_batch` (one task per lead would spend more time in the
broker than in the pipeline; with the LLM on, batches of LLM_SERVER_SLOTS). `qualify_lead(id)` is
the one-lead task. Both are safe to run twice: an unchanged lead is skipped by its fingerprint.
Only transient errors (database or broker connection) are retried; a lead whose run fails is
recorded as ERROR on its timeline and in its Trace by the pipeline itself.

`rescore_open_leads`, `requalify_stranded` and `requalify_fallen_back` queue the leads scoring.requalification finds.
These tasks sit below scoring.versions (activating a version queues `rescore_open_leads`), so
they import nothing that activates one. Each keeps the name it is queued and scheduled by.
"""

import logging
from collections.abc import Iterable
from uuid import UUID

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from leadops import jobs, llm
from leads.models import Lead
from scoring import requalification
from scoring.models import ScoringConfig
from scoring.pipeline import runner

logger = logging.getLogger(__name__)

# Errors worth another try: the database or the network was briefly unavailable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
FIRST_RESCORE_BATCH = 10
RETRY = {
    "autoretry_for": TRANSIENT_ERRORS, "retry_backoff": 2, "retry_backoff_max": 300, "retry_jitter": True,
    "max_retries": 5, "acks_late": True,
}


def enqueue_qualification(lead_ids: Iterable[UUID | str], job_id: str | None = None) -> None:
    """Queue qualification of these leads once the current transaction commits, in batches.

    `job_id`: the `leadops.models.Job` that counts them (an import's qualification), advanced batch by batch.
    """
    ids = list(dict.fromkeys(str(lead_id) for lead_id in lead_ids))
    size = settings.QUALIFY_BATCH_SIZE
    if llm.enabled():
        # Each lead then waits on the network: small batches spread the waiting over every worker
        # process, and each batch still fills the server's slots.
        size = min(size, settings.LLM_SERVER_SLOTS)
    for start in range(0, len(ids), size):
        qualify_batch.delay_on_commit(ids[start:start + size], job_id=job_id)


def requalify(lead_ids: Iterable[UUID | str]) -> int:
    """Enrich and qualify these leads again although their inputs did not change (a person asked for it).

    Forgetting the fingerprint their last run was filed under makes the runner do them rather than call
    them unchanged. Returns how many leads were queued.
    """
    leads = Lead.objects.filter(pk__in=list(lead_ids), status__in=Lead.RESCORED_STATUSES)
    ids = [str(lead_id) for lead_id in leads.values_list("pk", flat=True)]
    leads.update(qualified_fingerprint="")
    enqueue_qualification(ids)
    return len(ids)


@shared_task(name="scoring.tasks.qualify_batch", **RETRY)
def qualify_batch(lead_ids: list[str], job_id: str | None = None) -> dict[str, int]:
    summary = runner.qualify(lead_ids)
    jobs.advance(job_id, len(lead_ids))
    logger.info("Qualified a batch of %d leads: %d done, %d unchanged, %d failed", len(lead_ids),
                summary.qualified, summary.unchanged, summary.failed, extra={"task": "qualify_batch"})
    return {"qualified": summary.qualified, "unchanged": summary.unchanged, "failed": summary.failed}


@shared_task(name="scoring.tasks.qualify_lead", **RETRY)
def qualify_lead(lead_id: str) -> None:
    # Returns nothing: no result store keeps it, and Celery writes out every return value for its
    # log, a cost paid once per lead. The run's outcome is on the lead and its Trace.
    runner.qualify([lead_id])


@shared_task(name="scoring.tasks.requalify_stranded", acks_late=True)
def requalify_stranded() -> int:
    """Queue qualification again for leads whose current inputs never got a result. Returns how many."""
    ids = requalification.stranded_lead_ids()
    if ids:
        logger.warning("Re-queueing %d leads that were never qualified", len(ids), extra={"task": "requalify_stranded"})
        enqueue_qualification(ids)
    return len(ids)


@shared_task(name="scoring.tasks.requalify_fallen_back", acks_late=True)
def requalify_fallen_back() -> int:
    """Once the LLM answers again, queue the leads the rules scored while it did not. Returns how many."""
    if not llm.answering():
        return 0
    ids = requalification.fallen_back_lead_ids(settings.LLM_REQUALIFY_LIMIT)
    if ids:
        logger.info("Re-qualifying %d leads with the LLM that the rules scored while it failed", len(ids),
                    extra={"task": "requalify_fallen_back"})
        enqueue_qualification(ids)
    return len(ids)


@shared_task(name="scoring.tasks.rescore_open_leads", acks_late=True)
def rescore_open_leads(version: int, job_id: str | None = None) -> int:
    """Qualify the open leads again after scoring `version` was activated; returns how many were queued.

    Drafts a person approved or edited are kept (see scoring.pipeline.save); contacted leads are
    rescored, not re-routed. If another version was activated meanwhile, its own run does the work.
    """
    if not ScoringConfig.objects.filter(version=version, is_active=True).exists():
        jobs.finish(job_id, "Another version was activated meanwhile; its own re-score replaces this one.")
        return 0
    jobs.set_total(job_id, requalification.open_lead_count())
    queued = 0
    batch: list[str] = []
    for lead_id in requalification.open_lead_ids():
        batch.append(str(lead_id))
        # The first batch is small, so the manager who saved a weight sees the re-score move within a moment.
        if len(batch) == (settings.QUALIFY_BATCH_SIZE if queued else FIRST_RESCORE_BATCH):
            qualify_batch.delay(batch, job_id=job_id)
            queued, batch = queued + len(batch), []
    if batch:
        qualify_batch.delay(batch, job_id=job_id)
        queued += len(batch)
    # The job waits for the leads queued now, not for those counted when the manager was asked.
    jobs.set_total(job_id, queued)
    logger.info("Re-scoring %d open leads under scoring v%d", queued, version, extra={"task": "rescore_open_leads"})
    return queued
