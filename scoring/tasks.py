"""Celery tasks for qualification: thin glue around scoring.pipeline.

Intake calls `enqueue_qualification(ids)` for every created or changed lead; once the
transaction commits, the ids go to `qualify_batch` in batches of QUALIFY_BATCH_SIZE (one task
per lead would spend more time in the broker than in the pipeline; with the LLM on, batches of
LLM_CONCURRENCY). `qualify_lead(id)` is the one-lead task. Both are safe to run twice: an
unchanged lead is skipped by its fingerprint. Only transient errors (database or broker
connection) are retried; a lead whose run fails is recorded as ERROR on its timeline and in
its Trace by the pipeline itself.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta
from uuid import UUID

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from leadops import llm
from leads.models import Lead
from scoring.models import ScoringConfig, Trace
from scoring.pipeline import runner

logger = logging.getLogger(__name__)

# Errors worth another try: the database or the network was briefly unavailable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
_RETRY = {
    "autoretry_for": TRANSIENT_ERRORS, "retry_backoff": 2, "retry_backoff_max": 300, "retry_jitter": True,
    "max_retries": 5, "acks_late": True,
}


def enqueue_qualification(lead_ids: Iterable[UUID | str]) -> None:
    """Queue qualification of these leads once the current transaction commits, in batches."""
    ids = list(dict.fromkeys(str(lead_id) for lead_id in lead_ids))
    if not ids:
        return
    size = settings.QUALIFY_BATCH_SIZE
    if llm.enabled():
        # Each lead then waits on the network: small batches spread the waiting over every worker
        # process, and each batch still fills its thread pool of LLM_CONCURRENCY.
        size = min(size, settings.LLM_CONCURRENCY)

    def send() -> None:
        for start in range(0, len(ids), size):
            qualify_batch.delay(ids[start:start + size])

    transaction.on_commit(send)


@shared_task(**_RETRY)
def qualify_batch(lead_ids: list[str]) -> dict[str, int]:
    summary = runner.qualify(lead_ids)
    logger.info("Qualified a batch of %d leads: %d done, %d unchanged, %d failed", len(lead_ids),
                summary.qualified, summary.unchanged, summary.failed, extra={"task": "qualify_batch"})
    return {"qualified": summary.qualified, "unchanged": summary.unchanged, "failed": summary.failed}


@shared_task(**_RETRY)
def qualify_lead(lead_id: str) -> None:
    # Returns nothing: no result store keeps it, and Celery writes out every return value for its log
    # (~2% of a worker's CPU at one task per lead). The run's outcome is on the lead and its Trace.
    runner.qualify([lead_id])


# A lead not qualified with its current inputs this long after they came in (new, or changed by an
# import) lost its qualification: a task lost with the broker, or a result commit lost in a database
# crash. The sweep queues it again.
STRANDED_AFTER = timedelta(minutes=10)
STRANDED_LOOKBACK = timedelta(days=7)


@shared_task(acks_late=True)
def requalify_stranded() -> int:
    """Queue qualification again for leads whose current inputs never got a result. Returns how many.

    Intake clears `qualified_at` when it creates a lead or changes its inputs, and a saved run sets it.
    A lead whose run after that failed has a failed Trace and an ERROR on its timeline: it is left for
    a person (or `qualify_leads --ids`) rather than failing again every sweep.
    """
    now = timezone.now()
    stranded = (
        Lead.objects.filter(
            status__in=Lead.RESCORED_STATUSES, qualified_at__isnull=True,
            updated_at__lt=now - STRANDED_AFTER, updated_at__gt=now - STRANDED_LOOKBACK,
        )
        .exclude(Exists(Trace.objects.filter(lead=OuterRef("pk"), created_at__gte=OuterRef("updated_at"))))
        .values_list("pk", flat=True)[:50_000]
    )
    ids = list(stranded)
    if ids:
        logger.warning("Re-queueing %d leads that were never qualified", len(ids), extra={"task": "requalify_stranded"})
        enqueue_qualification(ids)
    return len(ids)


@shared_task(acks_late=True)
def rescore_open_leads(version: int) -> int:
    """Qualify the open leads again after scoring `version` was activated; returns how many were queued.

    Drafts a person approved or edited are kept (see scoring.pipeline.crm); contacted leads are
    rescored, not re-routed. If another version was activated meanwhile, its own run does the work.
    """
    if not ScoringConfig.objects.filter(version=version, is_active=True).exists():
        return 0
    queued = 0
    batch: list[str] = []
    for lead_id in Lead.objects.filter(status__in=Lead.RESCORED_STATUSES).values_list("pk", flat=True).iterator(10_000):
        batch.append(str(lead_id))
        if len(batch) == settings.QUALIFY_BATCH_SIZE:
            qualify_batch.delay(batch)
            queued, batch = queued + len(batch), []
    if batch:
        qualify_batch.delay(batch)
        queued += len(batch)
    logger.info("Re-scoring %d open leads under scoring v%d", queued, version, extra={"task": "rescore_open_leads"})
    return queued


# --- Learning from outcomes (issue 6) ---------------------------------------------------------------
# Beat runs retrain_scoring every 15 minutes (trains once LEARNING_RETRAIN_EVERY new outcomes are in)
# and nightly with force=True; see CELERY_BEAT_SCHEDULE in leadops/settings.py.
TRAINING_LOCK = "scoring:learning:training"


@shared_task(**_RETRY)
def retrain_scoring(force: bool = False, user_id: int | None = None) -> dict[str, object]:
    """Train a learned scoring version when enough new outcomes came in (or always, when forced).

    `user_id`: the manager who asked for it on the Scoring model page, recorded on the new version.
    """
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from scoring.learning.training import TrainingError, new_outcomes_since_training, train

    new_outcomes = new_outcomes_since_training()
    if not force and new_outcomes < settings.LEARNING_RETRAIN_EVERY:
        return {"skipped": f"{new_outcomes} new outcomes, retraining after {settings.LEARNING_RETRAIN_EVERY}"}
    # One training at a time: beat and a manager's click may overlap.
    if not cache.add(TRAINING_LOCK, "1", timeout=3600):
        return {"skipped": "another training is running"}
    try:
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        result = train(user=user)
    except TrainingError as error:
        logger.info("Scoring not retrained: %s", error, extra={"task": "retrain_scoring"})
        return {"skipped": str(error)}
    finally:
        cache.delete(TRAINING_LOCK)
    assert result.config is not None
    return {"version": result.config.version, "activated": result.activated, "auc": result.metrics["auc"],
            "decision": result.reason}
