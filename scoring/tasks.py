"""Every Celery task of the scoring app: the qualification tasks (defined in scoring.pipeline.tasks,
exported here) and retraining from outcomes.

Beat runs `retrain_scoring` every 15 minutes (it trains once LEARNING_RETRAIN_EVERY new outcomes
are in) and nightly with force=True, and `requalify_stranded` every 10 minutes; see
CELERY_BEAT_SCHEDULE in leadops/settings.py.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from leadops import jobs
from scoring.pipeline.tasks import (
    RETRY,
    enqueue_qualification,
    qualify_batch,
    qualify_lead,
    requalify_fallen_back,
    requalify_stranded,
    rescore_open_leads,
)

__all__ = [
    "enqueue_qualification", "qualify_batch", "qualify_lead", "requalify_fallen_back", "requalify_stranded",
    "rescore_open_leads", "retrain_scoring",
]

logger = logging.getLogger(__name__)

TRAINING_LOCK = "scoring:learning:training"


@shared_task(**RETRY)
def retrain_scoring(force: bool = False, user_id: int | None = None, job_id: str | None = None) -> dict[str, object]:
    """Train a learned scoring version when enough new outcomes came in (or always, when forced).

    `user_id`: the manager who asked for it on the Scoring model page, recorded on the new version.
    `job_id`: the `leadops.models.Job` that page follows; it hears each step and how it ended.
    """
    try:
        result = _retrain(force, user_id, job_id)
    except Exception as error:
        jobs.finish(job_id, f"Training stopped with an unexpected error: {error}. The active version stays.",
                    failed=True)
        raise
    jobs.finish(job_id, outcome_in_words(result))
    return result


def outcome_in_words(result: dict[str, object]) -> str:
    """What a manager reads about a training run."""
    if "skipped" in result:
        return f"Not trained: {result['skipped']}."
    state = "it now scores leads, and the open leads are re-scored with it" if result["activated"] else \
        "the active version stays"
    return f"Trained v{result['version']} (ROC AUC {result['auc']:.3f}): {result['decision']}; {state}."


def _retrain(force: bool, user_id: int | None, job_id: str | None) -> dict[str, object]:
    # Imported on first use, not with the module: training loads numpy (~15 MB), which must stay out
    # of the processes that only queue this task, the CSV import's above all (its memory budget).
    from scoring.learning import training

    new_outcomes = training.new_outcomes_since_training()
    if not force and new_outcomes < settings.LEARNING_RETRAIN_EVERY:
        return {"skipped": f"{new_outcomes} new outcomes, retraining after {settings.LEARNING_RETRAIN_EVERY}"}
    # One training at a time: beat and a manager's click may overlap.
    if not cache.add(TRAINING_LOCK, "1", timeout=3600):
        return {"skipped": "another training is running"}
    try:
        user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
        result = training.train(user=user, progress=lambda done, total: jobs.set_progress(job_id, done, total))
    except training.TrainingError as error:
        logger.info("Scoring not retrained: %s", error, extra={"task": "retrain_scoring"})
        return {"skipped": str(error)}
    finally:
        cache.delete(TRAINING_LOCK)
    assert result.config is not None
    return {"version": result.config.version, "activated": result.activated, "auc": result.metrics["auc"],
            "decision": result.reason}
