"""Scoring one lead with a learned version: a calibrated probability and the factors that add up to it.

The score is the calibrated probability of converting, in percent. It is split into a
"Base rate" factor (what an average lead of this team scores) plus one factor per feature bin
that moved it. The split follows the straight path from the average lead's log-odds to this
lead's log-odds: each factor gets the share of the probability change that its log-odds
contribution makes of the total (integrated gradients for a one-dimensional link), so the
shares are exact, signed and independent of the order the features are listed in. Rounding
uses largest remainders so that the integer points always add up to the score.
"""

import math
from dataclasses import dataclass, field
from typing import Any

from scoring.learning.features import Features
from scoring.learning.model import AdditiveModel
from scoring.models import ScoringConfig
from scoring.rules import label_for

BASE_RATE_FACTOR = "Base rate"
_models: dict[tuple[int, int], AdditiveModel] = {}


@dataclass
class LearnedScore:
    value: int
    probability: float
    label: str
    factors: list[dict[str, Any]] = field(default_factory=list)
    enough_outcomes: bool = False


def model_of(config: ScoringConfig) -> AdditiveModel:
    """The parsed model of a version; versions never change, so it is parsed once per process."""
    if config.pk is None:  # an unsaved version (a preview): parsed once for the instance
        if "_parsed_model" not in config.__dict__:
            config.__dict__["_parsed_model"] = AdditiveModel.from_json(config.model)
        return config.__dict__["_parsed_model"]
    key = (config.pk, config.version)
    if key not in _models:
        model = AdditiveModel.from_json(config.model)
        if len(_models) > 16:
            _models.clear()
        _models[key] = model
    return _models[key]


def _whole_points(shares: list[float], total: int) -> list[int]:
    """Integers close to `shares` that sum to `total` (largest-remainder rounding)."""
    floors = [math.floor(share) for share in shares]
    missing = total - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda index: shares[index] - floors[index], reverse=True)
    # Usually 0 <= missing <= len(shares); the loop also settles the odd point either way.
    position = 0
    while missing and by_remainder:
        index = (by_remainder[position % len(by_remainder)] if missing > 0
                 else by_remainder[-1 - position % len(by_remainder)])
        floors[index] += 1 if missing > 0 else -1
        missing += -1 if missing > 0 else 1
        position += 1
    return floors


def explain(model: AdditiveModel, features: Features) -> tuple[int, float, list[dict[str, Any]]]:
    """(score 0-100, calibrated probability, factors whose points add up to the score)."""
    contributions = model.contributions(features)
    reference = model.reference_logit
    logit = reference + sum(value for _, value in contributions)
    probability = float(model.calibrate(logit))
    base = float(model.calibrate(reference))
    if abs(logit - reference) > 1e-9:
        per_logit = 100 * (probability - base) / (logit - reference)
    else:
        slope = model.calibration[0]
        per_logit = 100 * slope * base * (1 - base)
    shares = [100 * base] + [value * per_logit for _, value in contributions]
    value = round(100 * probability)
    # The base rate is the same for every lead; rounding is absorbed by the lead's own factors.
    base_points = round(shares[0])
    if not contributions:
        base_points = value
    points = _whole_points(shares[1:], value - base_points)
    factors = [{"factor": BASE_RATE_FACTOR, "points": base_points}]
    moved = [{"factor": name, "points": share} for (name, _), share in zip(contributions, points) if share]
    factors += sorted(moved, key=lambda factor: -abs(factor["points"]))
    return value, probability, factors


def score_learned(config: ScoringConfig, features: Features) -> LearnedScore:
    """Score a lead's features with a learned version (the pipeline's score node calls this)."""
    value, probability, factors = explain(model_of(config), features)
    return LearnedScore(
        value=value, probability=round(probability, 4), label=label_for(value, config.model["cutoffs"]),
        factors=factors, enough_outcomes=config.has_enough_outcomes(),
    )
