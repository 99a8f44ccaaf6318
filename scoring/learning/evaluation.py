"""Honest figures for a learned model: k-fold cross-validation on the team's own closed leads.

Every lead is scored by a model that never saw it (out-of-fold), and the figures come from those
scores: ROC AUC (does a converting lead score above a non-converting one?), Brier score (are the
probabilities right?), calibration by decile, precision of the top 20 % and the conversion rate
of each label. The Platt calibration is fitted on the same out-of-fold log-odds; with two
parameters on hundreds of leads its optimism is negligible.

HOT / WARM / COLD cut-offs are percentiles of the out-of-fold scores of the training leads:
HOT is the top 20 %, WARM the next 30 %, COLD the bottom half. A fixed score such as 70 means
nothing to a team converting 3 % (nobody would ever be HOT) and everything to one converting
60 %; a percentile keeps the HOT list the same useful size at any base rate, and the model page
shows how much more often HOT converts than the base rate.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.learning.bins import Columns, build_bins
from scoring.learning.features import Features
from scoring.learning.model import DEFAULT_L2, AdditiveModel, fit_model, fit_platt
from scoring.rules import label_for

HOT_SHARE = 0.20
WARM_SHARE = 0.30
LABELS = ("HOT", "WARM", "COLD")


def roc_auc(labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """Probability that a random converting lead outscores a random other one (ties count half)."""
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    positives = labels.sum()
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    # Average rank within each run of equal scores.
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(scores)]])
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(labels: np.ndarray, probabilities: np.ndarray) -> float:
    return float(np.mean((np.asarray(probabilities) - np.asarray(labels)) ** 2))


def calibration_by_decile(labels: np.ndarray, probabilities: np.ndarray) -> list[dict[str, float]]:
    """Predicted vs observed conversion in ten equal-sized groups of leads, lowest first."""
    order = np.argsort(probabilities, kind="mergesort")
    result = []
    for decile, chunk in enumerate(np.array_split(order, 10), start=1):
        if len(chunk):
            result.append({"decile": decile, "count": len(chunk),
                           "predicted": round(float(probabilities[chunk].mean()), 4),
                           "observed": round(float(labels[chunk].mean()), 4)})
    return result


def precision_of_top(labels: np.ndarray, scores: np.ndarray, share: float = HOT_SHARE) -> float:
    count = max(1, round(share * len(labels)))
    top = np.argsort(-np.asarray(scores), kind="mergesort")[:count]
    return float(np.asarray(labels)[top].mean())


def choose_cutoffs(values: np.ndarray) -> dict[str, int]:
    """Score cut-offs putting the top 20 % of leads in HOT and the next 30 % in WARM."""
    if not len(values):
        return {"hot": 70, "warm": 40}
    hot = int(np.ceil(np.quantile(values, 1 - HOT_SHARE)))
    warm = int(np.ceil(np.quantile(values, 1 - HOT_SHARE - WARM_SHARE)))
    return {"hot": hot, "warm": min(warm, hot)}


def label_rates(labels: np.ndarray, values: np.ndarray, cutoffs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """How many leads each label got and how often they converted (None when a label is empty)."""
    names = np.array([label_for(int(value), cutoffs) for value in values])
    base = float(np.mean(labels)) if len(labels) else 0.0
    result = {}
    for name in LABELS:
        members = labels[names == name]
        rate = float(members.mean()) if len(members) else None
        result[name] = {"count": len(members), "rate": None if rate is None else round(rate, 4),
                        "lift": None if rate is None or not base else round(rate / base, 2)}
    return result


def stratified_folds(labels: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """A fold number per lead, converting and other leads spread evenly over the folds."""
    random = np.random.default_rng(seed)
    folds = np.empty(len(labels), dtype=np.int32)
    for value in (0, 1):
        members = np.flatnonzero(labels == value)
        random.shuffle(members)
        folds[members] = np.arange(len(members)) % count
    return folds


def fold_count(labels: np.ndarray, wanted: int = 5) -> int:
    """Fewer folds when there are few conversions, so that every fold has some."""
    minority = int(min(labels.sum(), len(labels) - labels.sum()))
    return max(2, min(wanted, minority // 2)) if minority >= 4 else 0


@dataclass
class Evaluation:
    """A calibrated candidate model, its out-of-fold scores and the figures about them."""

    model: AdditiveModel
    folds: np.ndarray
    probabilities: np.ndarray  # out-of-fold, calibrated
    cutoffs: dict[str, int]  # HOT / WARM on the calibrated probability in percent
    metrics: dict[str, Any]


def score_values(probabilities: np.ndarray) -> np.ndarray:
    """A score is the calibrated probability in percent."""
    return np.rint(np.asarray(probabilities) * 100).astype(int)


def summarise(labels: np.ndarray, probabilities: np.ndarray, cutoffs: dict[str, Any]) -> dict[str, Any]:
    base_rate = float(labels.mean()) if len(labels) else 0.0
    return {
        "outcomes": len(labels), "conversions": int(labels.sum()), "base_rate": round(base_rate, 4),
        "auc": round(roc_auc(labels, probabilities), 4),
        "brier": round(brier(labels, probabilities), 4),
        "base_rate_brier": round(base_rate * (1 - base_rate), 4),
        "top20_precision": round(precision_of_top(labels, probabilities), 4),
        "calibration": calibration_by_decile(labels, probabilities),
        "label_rates": label_rates(labels, score_values(probabilities), cutoffs),
    }


def evaluate_and_fit(
    rows: Sequence[Features], labels: Sequence[int] | np.ndarray, *, folds: int = 5, seed: int = 0,
    l2: float = DEFAULT_L2, rule_weights: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Cross-validate, calibrate on the out-of-fold log-odds, then fit the final model on every lead.

    `progress(done, total)` hears of each step: the bins, every fold, the final fit.
    """
    labels = np.asarray(labels, dtype=float)
    count = fold_count(labels, folds)
    report = progress or (lambda done, total: None)
    table = Columns.of(rows)
    bins = build_bins(table)
    report(1, count + 2)
    fold_ids = stratified_folds(labels, count, seed) if count else np.zeros(len(labels), dtype=np.int32)
    out_of_fold = np.zeros(len(labels))
    for fold in range(count):
        test = fold_ids == fold
        fold_model = fit_model(table.subset(np.flatnonzero(~test)), labels[~test], l2=l2, rule_weights=rule_weights)
        out_of_fold[test] = fold_model.logits(table.subset(np.flatnonzero(test)))
        report(fold + 2, count + 2)
    model = fit_model(table, labels, l2=l2, rule_weights=rule_weights, bins=bins)
    report(count + 2, count + 2)
    if count:
        model.calibration = fit_platt(out_of_fold, labels)
    else:
        out_of_fold = model.logits(table)  # too few outcomes to hold any out: in-sample, and said so
    probabilities = model.calibrate(out_of_fold)
    cutoffs = choose_cutoffs(score_values(probabilities))
    metrics = summarise(labels, probabilities, cutoffs)
    metrics["folds"] = count
    metrics["fold_auc"] = [round(roc_auc(labels[fold_ids == fold], probabilities[fold_ids == fold]), 4)
                           for fold in range(count)]
    return Evaluation(model, fold_ids, probabilities, cutoffs, metrics)


def fold_aucs(labels: np.ndarray, folds: np.ndarray, scores: np.ndarray) -> list[float]:
    """AUC of any scoring (a rival version) on the candidate's folds, for a like-for-like comparison."""
    return [roc_auc(labels[folds == fold], scores[folds == fold]) for fold in np.unique(folds)]


def beats(candidate: list[float], active: list[float]) -> bool:
    """The candidate wins when its mean fold AUC is higher than the active version's on the same folds."""
    pairs = [(mine, theirs) for mine, theirs in zip(candidate, active) if not (math.isnan(mine) or math.isnan(theirs))]
    if not pairs:
        return False
    return float(np.mean([mine for mine, _ in pairs])) > float(np.mean([theirs for _, theirs in pairs]))

