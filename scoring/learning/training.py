"""Training a learned scoring version from the team's recorded outcomes.

`train(dry_run=False)` reads every lead with an outcome (the latest Feedback per lead counts:
booked_demo / closed_won convert, closed_lost / disqualified / no_response do not), turns each
into `lead_features`, cross-validates and fits a candidate (`evaluation.evaluate_and_fit`),
and compares it with the active version on the same folds:

- active version learned: its stored model scores the same leads (it has seen many of them,
  which favours it: a candidate that still wins is genuinely better);
- active version rules: the `score_value` the rules gave each lead.

The candidate is stored as a new ScoringConfig version (source learned) with its metrics
either way, and becomes active only if it wins and the team has the minimum number of
conversions; a manager can still activate any version on the model page.
"""

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from leads.models import Feedback, Lead
from scoring.learning.evaluation import beats, evaluate_and_fit, fold_aucs
from scoring.learning.explain import model_of
from scoring.learning.features import lead_features
from scoring.learning.model import top_bins
from scoring.models import ScoringConfig

logger = logging.getLogger(__name__)


class TrainingError(Exception):
    """Training cannot run on the outcomes there are (said in words for the command and the page)."""


@dataclass
class TrainingResult:
    config: ScoringConfig | None  # None on a dry run
    metrics: dict[str, Any]
    activated: bool
    reason: str


def labelled_leads() -> tuple[list[Lead], np.ndarray]:
    """Leads with at least one outcome, and 1/0 for whether their latest outcome is a conversion."""
    latest = Feedback.objects.filter(lead=OuterRef("pk")).order_by("-created_at", "-id").values("outcome")[:1]
    leads, labels = [], []
    queryset = (Lead.objects.annotate(latest_outcome=Subquery(latest)).filter(latest_outcome__isnull=False)
                .order_by("created_at", "id"))
    for lead in queryset.iterator(chunk_size=2000):
        leads.append(lead)
        labels.append(1 if lead.latest_outcome in Feedback.POSITIVE else 0)
    return leads, np.array(labels, dtype=float)


def _active_scores(active: ScoringConfig | None, leads: list[Lead], rows: list[dict]) -> np.ndarray | None:
    if active is None:
        return None
    if active.source == ScoringConfig.Source.LEARNED and active.model:
        return model_of(active).logits(rows)
    scores = [lead.score_value for lead in leads]
    if all(score is None for score in scores):
        return None  # the rules never scored these leads (e.g. a historic import): nothing to beat
    return np.array([-1 if score is None else score for score in scores], dtype=float)


def train(*, dry_run: bool = False, user: Any = None) -> TrainingResult:
    """Fit, evaluate and (unless dry_run) store a learned version; activate it only if it is better."""
    active = ScoringConfig.objects.filter(is_active=True).first()
    profile = dict(active.profile) if active else {}
    leads, labels = labelled_leads()
    conversions = int(labels.sum())
    if conversions == 0 or conversions == len(labels):
        raise TrainingError(
            f"Training needs converted and not converted leads; there are {len(labels)} outcomes, "
            f"{conversions} of them conversions."
        )
    rows = [lead_features(lead, profile.get("leaky_columns", [])) for lead in leads]
    evaluation = evaluate_and_fit(rows, labels, rule_weights=active.weights if active else {})
    metrics = evaluation.metrics
    metrics["strongest_factors"] = top_bins(evaluation.model)
    metrics["outcomes_seen"] = Feedback.objects.count()
    needed = int(profile.get("min_conversions") or settings.LEARNING_MIN_CONVERSIONS)
    metrics["min_conversions"] = needed

    rival = _active_scores(active, leads, rows)
    if rival is not None and metrics["folds"]:
        rival_folds = fold_aucs(labels, evaluation.folds, rival)
        metrics["compared_with"] = {"version": active.version,
                                    "auc": round(float(np.nanmean(rival_folds)), 4),
                                    "fold_auc": [round(value, 4) for value in rival_folds]}
        better = beats(metrics["fold_auc"], rival_folds)
    else:
        better = True
    if conversions < needed:
        activate, reason = False, f"not enough outcomes yet: {conversions} conversions of the {needed} needed"
    elif not metrics["folds"]:
        activate, reason = False, "too few outcomes of each kind to cross-validate"
    elif not better:
        activate, reason = False, f"does not beat active v{active.version} on the same folds"
    elif active is None:
        activate, reason = True, "first scoring version"
    elif rival is None:
        activate, reason = True, f"active v{active.version} never scored these leads, so the learned version replaces it"
    else:
        activate, reason = True, f"beats active v{active.version} on the same folds"
    metrics["decision"] = reason
    if dry_run:
        return TrainingResult(None, metrics, False, reason)

    model = evaluation.model.as_json()
    for attempt in range(3):
        try:
            with transaction.atomic():
                config = ScoringConfig.objects.create(
                    version=ScoringConfig.next_version(), source=ScoringConfig.Source.LEARNED,
                    weights=dict(active.weights) if active else {}, thresholds=evaluation.thresholds,
                    profile=profile, model=model, metrics=metrics, parent=active, created_by=user,
                    notes=f"Learned from {len(labels)} outcomes ({conversions} conversions); {reason}.",
                )
            break
        except IntegrityError:
            if attempt == 2:  # another version took the number each time
                raise
    if activate:
        config.activate(user)
    logger.info("learned scoring v%s: AUC %.3f, %s", config.version, metrics["auc"], reason)
    return TrainingResult(config, metrics, activate, reason)


def new_outcomes_since_training() -> int:
    """Outcomes recorded since the newest learned version was trained (all of them if none was)."""
    latest = ScoringConfig.objects.filter(source=ScoringConfig.Source.LEARNED).order_by("-version").first()
    seen = int(latest.metrics.get("outcomes_seen", 0)) if latest else 0
    return Feedback.objects.count() - seen
