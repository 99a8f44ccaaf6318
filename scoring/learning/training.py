"""Training a learned scoring version from the team's recorded outcomes.

`train(dry_run=False)` reads every lead with an outcome (the latest Feedback per lead counts:
booked_demo / closed_won convert, closed_lost / disqualified / no_response do not), turns each
into `lead_features`, cross-validates and fits a candidate (`evaluation.evaluate_and_fit`),
and compares it with the active version on the same folds:

- active version learned: only the leads whose outcome came in after it was trained count,
  because it has seen every earlier one (in-sample it would always win). On those leads its
  stored model and the candidate's out-of-fold scores are both honest, fold by fold;
- active version rules: the `score_value` the rules gave each lead, on every fold.

The candidate is stored as a new ScoringConfig version (source learned) with its metrics
either way, and becomes active only if it wins and the team has the minimum number of
conversions; a manager can still activate any version on the model page.
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery

from leads.models import Feedback, Lead
from scoring import versions
from scoring.learning.evaluation import beats, evaluate_and_fit, fold_aucs
from scoring.learning.explain import model_of
from scoring.learning.features import lead_features
from scoring.learning.model import top_bins
from scoring.models import ScoringConfig
from scoring.rules import DEFAULT_THRESHOLDS

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
    latest = Feedback.objects.filter(lead=OuterRef("pk")).order_by("-created_at", "-id")
    leads, labels = [], []
    queryset = (Lead.objects.annotate(latest_outcome=Subquery(latest.values("outcome")[:1]),
                                      latest_outcome_at=Subquery(latest.values("created_at")[:1]))
                .filter(latest_outcome__isnull=False).order_by("created_at", "id"))
    for lead in queryset.iterator(chunk_size=2000):
        leads.append(lead)
        labels.append(1 if lead.latest_outcome in Feedback.POSITIVE else 0)
    return leads, np.array(labels, dtype=float)


def _active_scores(
    active: ScoringConfig | None, leads: list[Lead], rows: list[dict],
) -> tuple[np.ndarray, np.ndarray] | None:
    """The active version's scores, and which leads it may be judged on; None if there is nothing to compare."""
    if active is None:
        return None
    if active.model:  # learned, or a manager's threshold edit of a learned version
        unseen = np.array([lead.latest_outcome_at > active.created_at for lead in leads])
        return model_of(active).logits(rows), unseen
    scores = [lead.score_value for lead in leads]
    if all(score is None for score in scores):
        return None  # the rules never scored these leads (e.g. a historic import): nothing to beat
    return np.array([-1 if score is None else score for score in scores], dtype=float), np.ones(len(leads), bool)


def train(*, dry_run: bool = False, user: Any = None,
          progress: Callable[[int, int], None] | None = None) -> TrainingResult:
    """Fit, evaluate and (unless dry_run) store a learned version; activate it only if it is better.

    `progress(done, total)` hears of each step of the cross-validation (the Jobs page shows it).
    """
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
    evaluation = evaluate_and_fit(rows, labels, rule_weights=active.weights if active else {}, progress=progress)
    metrics = evaluation.metrics
    metrics["strongest_factors"] = top_bins(evaluation.model)
    metrics["outcomes_seen"] = Feedback.objects.count()
    needed = active.min_conversions() if active else settings.LEARNING_MIN_CONVERSIONS
    metrics["min_conversions"] = needed

    rival = _active_scores(active, leads, rows)
    if rival is not None and metrics["folds"]:
        scores, judged = rival
        folds, mine = evaluation.folds[judged], evaluation.probabilities[judged]
        rival_folds = fold_aucs(labels[judged], folds, scores[judged])
        candidate_folds = fold_aucs(labels[judged], folds, mine)
        comparable = [theirs for theirs in rival_folds if not math.isnan(theirs)]
        metrics["compared_with"] = {
            "version": active.version, "leads": int(judged.sum()),
            "auc": round(float(np.mean(comparable)), 4) if comparable else None,
            "candidate_auc": round(float(np.nanmean(candidate_folds)), 4) if comparable else None,
        }
        better = beats(candidate_folds, rival_folds)
    else:
        better = True
    if conversions < needed:
        activate, reason = False, f"not enough outcomes yet: {conversions} conversions of the {needed} needed"
    elif not metrics["folds"]:
        activate, reason = False, "too few outcomes of each kind to cross-validate"
    elif not better and metrics["compared_with"]["auc"] is None:
        activate, reason = False, (f"no outcomes of both kinds came in since active v{active.version} was "
                                   "trained, so the two cannot be compared yet")
    elif not better:
        activate, reason = False, f"does not beat active v{active.version} on the same folds"
    elif active is None:
        activate, reason = True, "first scoring version"
    elif rival is None:
        activate, reason = True, (f"active v{active.version} never scored these leads, "
                                  "so the learned version replaces it")
    else:
        activate, reason = True, f"beats active v{active.version} on the same folds"
    metrics["decision"] = reason
    if dry_run:
        return TrainingResult(None, metrics, False, reason)

    # The model labels by its own cut-offs (probability %); `thresholds` stay the rules' points, which
    # score leads until there are enough outcomes and judge low fit.
    model = {**evaluation.model.as_json(), "cutoffs": evaluation.cutoffs}
    thresholds = {**DEFAULT_THRESHOLDS, **(active.thresholds if active else {})}
    for attempt in range(3):
        try:
            with transaction.atomic():
                config = ScoringConfig.objects.create(
                    version=ScoringConfig.next_version(), source=ScoringConfig.Source.LEARNED,
                    weights=dict(active.weights) if active else {}, thresholds=thresholds,
                    profile=profile, model=model, metrics=metrics, parent=active, created_by=user,
                    notes=f"Learned from {len(labels)} outcomes ({conversions} conversions); {reason}.",
                )
            break
        except IntegrityError:
            if attempt == 2:  # another version took the number each time
                raise
    if activate:
        versions.activate(config, user)
    logger.info("learned scoring v%s: AUC %.3f, %s", config.version, metrics["auc"], reason)
    return TrainingResult(config, metrics, activate, reason)


def new_outcomes_since_training() -> int:
    """Outcomes recorded since the newest learned version was trained (all of them if none was)."""
    latest = ScoringConfig.objects.filter(source=ScoringConfig.Source.LEARNED).order_by("-version").first()
    seen = int(latest.metrics.get("outcomes_seen", 0)) if latest else 0
    return Feedback.objects.count() - seen
