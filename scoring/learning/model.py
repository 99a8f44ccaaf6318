"""The learned scoring model: an additive logistic model on binned features, fitted with numpy.

Every feature is cut into bins (a category, a quantile range of a number, "other value" for
rare categories pooled together, "missing"), and each bin carries a weight in log-odds. A lead's
log-odds are the intercept plus one weight per feature, so every score is a sum of named
contributions ("Lead Source = Reference") — the same explanation a rule score gives.

Fitting is cyclic Newton (backfitting): the bins of one feature never overlap, so for one
feature at a time the penalised Newton step is exact per bin and needs only two `bincount`s
over the rows. An L2 penalty pulls each weight toward a prior: zero (the base rate) for most
bins, the team's rule weights for bins the rules also name (`prior_from_rules`). With few
outcomes per bin the penalty wins and the model stays near the base rate and the rules; with
many it gets out of the way. That is the shrinkage the product promises for small teams.

A few pairwise interactions (GA2M style: "Total Time Spent > 543 & occupation = Unemployed")
are added only when they clearly beat noise; each is one more named factor, so a score stays
a sum. Probabilities are calibrated afterwards (Platt, on out-of-fold log-odds: see evaluation).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.learning.bins import (
    CATEGORICAL,
    MAX_PAIRS,
    PAIR,
    PAIR_GRAINS,
    Columns,
    FeatureBins,
    build_bins,
    encode,
)
from scoring.learning.features import Features

MODEL_KIND = "additive-logistic/1"
# How strongly weights are pulled to their prior, in "pseudo-leads" of evidence per bin.
DEFAULT_L2 = 6.0
# A pair is kept when its one-step loss reduction beats this much per cell (noise gives under 1).
PAIR_GAIN_PER_CELL = 0.8
# Rule points are on a 0-100 scale; this many points count as one unit of log-odds in the prior.
POINTS_PER_LOGIT = 25.0
# Rule-weight key prefixes (scoring.rules) and the learner feature each one speaks about.
RULE_FEATURES = {
    "seniority": "Seniority", "function": "Function", "size": "Company size", "company_size": "Company size",
    "source": "Source", "industry": "Industry", "urgency": "Urgency", "country": "Country",
}
# Rule-weight names (after the prefix) that speak about one bin of a learner feature.
RULE_BINS = {
    "free_mail": ("Free-mail address", "yes"), "role_account": ("Role account", "yes"),
    "disposable": ("Disposable address", "yes"), "urgency_high": ("Urgency", "High"),
    "urgency_medium": ("Urgency", "Medium"), "pain_point": ("Pain point given", "yes"),
}


def prior_from_rules(rule_weights: dict[str, Any], bins: Sequence[FeatureBins]) -> dict[tuple[str, int], float]:
    """Translate rule weights ("seniority.vp": 20) into prior log-odds for the matching bins."""
    by_name = {feature.name: feature for feature in bins}
    prior: dict[tuple[str, int], float] = {}
    for key, points in rule_weights.items():
        if not isinstance(points, (int, float)) or "." not in key:
            continue
        group, _, value = key.partition(".")
        logit = float(points) / POINTS_PER_LOGIT
        if value in RULE_BINS and RULE_BINS[value][0] in by_name:
            feature, level = by_name[RULE_BINS[value][0]], RULE_BINS[value][1]
        elif group in RULE_FEATURES and RULE_FEATURES[group] in by_name:
            feature, level = by_name[RULE_FEATURES[group]], value
        else:
            continue
        position = feature.bin_of(level)
        if feature.kind == CATEGORICAL and position < len(feature.levels):
            prior[(feature.name, position)] = logit
    return prior


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -35, 35)))


def fit_weights(
    matrix: np.ndarray, labels: np.ndarray, sizes: Sequence[int], *, l2: float = DEFAULT_L2,
    prior: np.ndarray | None = None, initial: tuple[float, list[np.ndarray]] | None = None,
    max_sweeps: int = 60, tolerance: float = 1e-3,
) -> tuple[float, list[np.ndarray]]:
    """Penalised logistic regression on one-hot bins by cyclic per-feature Newton steps."""
    rows = len(labels)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    prior = np.zeros(offsets[-1]) if prior is None else prior
    if initial is None:
        weights = [prior[offsets[column]:offsets[column + 1]].copy() for column in range(len(sizes))]
        rate = float(np.clip(labels.mean(), 1e-4, 1 - 1e-4))
        intercept = math.log(rate / (1 - rate))
    else:
        intercept, weights = initial[0], [np.array(column, dtype=float) for column in initial[1]]
    logits = np.full(rows, intercept)
    for column, feature_weights in enumerate(weights):
        logits += feature_weights[matrix[:, column]]
    for _ in range(max_sweeps):
        largest_step = 0.0
        for column, size in enumerate(sizes):
            probability = _sigmoid(logits)
            codes = matrix[:, column]
            feature_prior = prior[offsets[column]:offsets[column + 1]]
            gradient = np.bincount(codes, weights=labels - probability, minlength=size)
            gradient -= l2 * (weights[column] - feature_prior)
            curvature = np.bincount(codes, weights=probability * (1 - probability), minlength=size) + l2
            step = np.clip(gradient / curvature, -2.0, 2.0)
            weights[column] += step
            logits += step[codes]
            largest_step = max(largest_step, float(np.abs(step).max()))
        probability = _sigmoid(logits)
        step = float(np.sum(labels - probability) / max(np.sum(probability * (1 - probability)), 1e-9))
        intercept += step
        logits += step
        if max(largest_step, abs(step)) < tolerance:
            break
    return intercept, weights


@dataclass
class AdditiveModel:
    """A fitted model: intercept, binned features and the calibration of its log-odds."""

    intercept: float
    features: list[FeatureBins]
    calibration: tuple[float, float] = (1.0, 0.0)  # probability = sigmoid(a * logit + b)

    @property
    def reference_logit(self) -> float:
        return self.intercept + sum(feature.mean for feature in self.features)

    def logits(self, rows: "Sequence[Features] | Columns") -> np.ndarray:
        matrix = encode(self.features, rows)
        result = np.full(len(matrix), self.intercept)
        for column, feature in enumerate(self.features):
            result += np.asarray(feature.weights)[matrix[:, column]]
        return result

    def calibrate(self, logits: np.ndarray | float) -> np.ndarray:
        slope, shift = self.calibration
        return _sigmoid(slope * np.asarray(logits, dtype=float) + shift)

    def probabilities(self, rows: "Sequence[Features] | Columns") -> np.ndarray:
        return self.calibrate(self.logits(rows))

    def contributions(self, row: Features) -> list[tuple[str, float]]:
        """(bin name, log-odds relative to the average lead) for every feature of one lead."""
        result = []
        for feature in self.features:
            position = feature.bin_for(row)
            result.append((feature.bin_name(position), feature.weights[position] - feature.mean))
        return result

    def as_json(self) -> dict[str, Any]:
        return {"kind": MODEL_KIND, "intercept": round(self.intercept, 6),
                "calibration": [round(value, 6) for value in self.calibration],
                "features": [feature.as_json() for feature in self.features]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "AdditiveModel":
        if data.get("kind") != MODEL_KIND:
            raise ValueError(f"Unknown scoring model kind {data.get('kind')!r}; expected {MODEL_KIND!r}")
        features = [FeatureBins.from_json(item) for item in data["features"]]
        slope, shift = data.get("calibration", (1.0, 0.0))
        return cls(float(data["intercept"]), features, (float(slope), float(shift)))


def _penalised_fit(
    bins: list[FeatureBins], matrix: np.ndarray, labels: np.ndarray, l2: float, rule_weights: dict[str, Any],
    initial: tuple[float, list[np.ndarray]] | None = None,
) -> tuple[float, list[np.ndarray]]:
    sizes = [feature.size for feature in bins]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    prior = np.zeros(offsets[-1])
    columns = {feature.name: index for index, feature in enumerate(bins)}
    for (name, position), logit in prior_from_rules(rule_weights, bins).items():
        prior[offsets[columns[name]] + position] = logit
    return fit_weights(matrix, labels, sizes, l2=l2, prior=prior, initial=initial)


def select_pairs(
    table: Columns, labels: np.ndarray, logits: np.ndarray, mains: Sequence[FeatureBins],
    count: int, l2: float,
) -> list[FeatureBins]:
    """Pairs of features whose joint bins explain what the additive fit left over (EBM/GA2M style).

    Each candidate pair is scored by the loss reduction of one penalised Newton step on its
    cells, minus PAIR_GAIN_PER_CELL per cell (about what noise gives); only pairs with a positive
    excess are kept, so data without interactions, or with few outcomes, gets none.
    """
    if count <= 0 or len(mains) < 2:
        return []
    names = [feature.name for feature in mains]
    probability = _sigmoid(logits)
    residual, curvature = labels - probability, probability * (1 - probability)
    best: dict[tuple[str, str], tuple[float, FeatureBins, FeatureBins]] = {}
    # Each pair is tried coarse (few cells, stable) and fine (e.g. day x month of a campaign calendar).
    for levels, ranges in PAIR_GRAINS:
        grained = build_bins(table, max_levels=levels, max_bins=ranges, names=names)
        matrix = encode(grained, table)
        for first in range(len(grained)):
            for second in range(first + 1, len(grained)):
                cells = grained[first].size * grained[second].size
                codes = matrix[:, first] * grained[second].size + matrix[:, second]
                gradient = np.bincount(codes, weights=residual, minlength=cells)
                hessian = np.bincount(codes, weights=curvature, minlength=cells)
                excess = float(np.sum(gradient ** 2 / (hessian + l2))) - PAIR_GAIN_PER_CELL * cells
                key = (grained[first].name, grained[second].name)
                if excess > 0 and excess > best.get(key, (0.0,))[0]:
                    best[key] = (excess, grained[first], grained[second])
    chosen = sorted(best.values(), key=lambda item: -item[0])[:count]
    return [FeatureBins(f"{first.name} & {second.name}", PAIR, parts=[first.unfitted(), second.unfitted()])
            for _, first, second in chosen]


def fit_model(
    rows: "Sequence[Features] | Columns", labels: Sequence[int] | np.ndarray, *, l2: float = DEFAULT_L2,
    rule_weights: dict[str, Any] | None = None, bins: list[FeatureBins] | None = None, pairs: int = MAX_PAIRS,
) -> AdditiveModel:
    """Fit an (uncalibrated) additive model to leads and their converted (1) / not (0) labels.

    Main effects first; then the strongest pairwise interactions (if any beat noise) are added
    and everything is refitted together, starting from the main-effect weights.
    """
    labels = np.asarray(labels, dtype=float)
    rule_weights = rule_weights or {}
    table = Columns.of(rows)
    mains = [feature.unfitted() for feature in (bins if bins is not None else build_bins(table))
             if feature.kind != PAIR]
    matrix = encode(mains, table)
    intercept, weights = _penalised_fit(mains, matrix, labels, l2, rule_weights)
    logits = intercept + sum((weights[column][matrix[:, column]] for column in range(len(mains))),
                             np.zeros(len(labels)))
    interactions = select_pairs(table, labels, logits, mains, pairs, l2)
    features = mains + interactions
    if interactions:
        matrix = np.hstack([matrix, encode(interactions, table)])
        initial = (intercept, weights + [np.zeros(feature.size) for feature in interactions])
        intercept, weights = _penalised_fit(features, matrix, labels, l2, rule_weights, initial)
    for column, feature in enumerate(features):
        feature.weights = [float(weight) for weight in weights[column]]
        feature.mean = float(weights[column][matrix[:, column]].mean()) if len(labels) else 0.0
    return AdditiveModel(float(intercept), features)


def fit_platt(logits: np.ndarray, labels: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """Platt scaling (a, b) so that sigmoid(a * logit + b) matches observed rates; (1, 0) if it cannot."""
    labels = np.asarray(labels, dtype=float)
    if len(labels) < 20 or labels.min() == labels.max():
        return (1.0, 0.0)
    slope, shift = 1.0, 0.0
    for _ in range(iterations):
        probability = _sigmoid(slope * logits + shift)
        residual = labels - probability
        curvature = probability * (1 - probability) + 1e-9
        gradient = np.array([np.sum(residual * logits), np.sum(residual)])
        hessian = np.array([[np.sum(curvature * logits * logits), np.sum(curvature * logits)],
                            [np.sum(curvature * logits), np.sum(curvature)]]) + np.eye(2) * 1e-6
        step = np.linalg.solve(hessian, gradient)
        slope, shift = slope + step[0], shift + step[1]
        if np.abs(step).max() < 1e-8:
            break
    if not (math.isfinite(slope) and math.isfinite(shift)) or slope <= 0:
        return (1.0, 0.0)
    return (float(slope), float(shift))


def top_bins(model: AdditiveModel, count: int = 12) -> list[dict[str, Any]]:
    """The strongest learned bins, for the model page: name and log-odds against the average lead."""
    entries = []
    for feature in model.features:
        for position, weight in enumerate(feature.weights):
            entries.append({"factor": feature.bin_name(position), "log_odds": round(weight - feature.mean, 3)})
    entries.sort(key=lambda entry: -abs(entry["log_odds"]))
    return entries[:count]
