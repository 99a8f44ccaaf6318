"""What the "Scoring model" page shows about a version: figures, calibration chart, factors, history.

The calibration chart is plain SVG geometry computed here (no chart library, no JavaScript):
predicted against observed conversion for each tenth of the leads, with the diagonal a perfectly
calibrated model would sit on.
"""

import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from scoring.learning.evaluation import HOT_SHARE, LABELS, WARM_SHARE
from scoring.learning.training import new_outcomes_since_training
from scoring.models import ScoringConfig

CHART_SIZE = 260
CHART_MARGIN = 34
HISTORY_LIMIT = 30

CUTOFF_RULE = (f"HOT is the top {HOT_SHARE:.0%} of the team's leads by cross-validated score and WARM the "
               f"next {WARM_SHARE:.0%}, so the HOT list stays useful at any base rate; the lift says how much "
               "more often each label converted than the average lead.")


@dataclass
class ChartPoint:
    decile: int
    predicted: float
    observed: float
    count: int
    x: float
    y: float


def calibration_chart(calibration: list[dict[str, Any]]) -> dict[str, Any]:
    """SVG coordinates for predicted vs observed conversion, both axes 0 to the largest value seen."""
    top = max([0.05] + [max(row["predicted"], row["observed"]) for row in calibration])
    top = min(1.0, round(top * 1.1 + 0.005, 2))
    room = CHART_SIZE - 2 * CHART_MARGIN

    def place(value: float) -> float:
        return round(value / top * room, 1)

    points = [ChartPoint(row["decile"], row["predicted"], row["observed"], row["count"],
                         x=CHART_MARGIN + place(row["predicted"]), y=CHART_SIZE - CHART_MARGIN - place(row["observed"]))
              for row in calibration]
    return {
        "points": points, "size": CHART_SIZE, "margin": CHART_MARGIN, "top": top,
        "line": " ".join(f"{point.x},{point.y}" for point in points),
        "diagonal_end": CHART_MARGIN + room, "axis_end": CHART_SIZE - CHART_MARGIN,
        "origin_y": CHART_SIZE - CHART_MARGIN,
    }


def version_summary(config: ScoringConfig | None) -> dict[str, Any]:
    """Everything the page says about one version (usually the active one)."""
    if config is None:
        return {"config": None}
    metrics = config.metrics or {}
    learned = bool(config.model)
    # HOT, WARM, COLD in that order: PostgreSQL's jsonb does not keep the order keys were stored in.
    rates = metrics.get("label_rates", {})
    label_rates = [{"label": label, **rates[label]} for label in LABELS if label in rates]
    return {
        "config": config,
        "learned": learned,
        "metrics": metrics,
        "has_metrics": "auc" in metrics,
        "enough_outcomes": config.has_enough_outcomes() if learned else None,
        "min_conversions": config.min_conversions(),
        "cutoffs": config.model.get("cutoffs") if learned else None,
        "chart": calibration_chart(metrics["calibration"]) if metrics.get("calibration") else None,
        "label_rates": label_rates,
        # A manager reads "x2.1 the odds" more readily than a log-odds of 0.73; both are shown.
        "factors": [{**factor, "odds_ratio": math.exp(factor["log_odds"])}
                    for factor in metrics.get("strongest_factors", [])],
    }


def history() -> QuerySet[ScoringConfig]:
    return ScoringConfig.objects.select_related("created_by").order_by("-version")[:HISTORY_LIMIT]


def previous_active(current: ScoringConfig | None) -> ScoringConfig | None:
    """The version that was active before the current one: what "Roll back" re-activates."""
    earlier = ScoringConfig.objects.filter(activated_at__isnull=False)
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
    return earlier.order_by("-activated_at").first()


def page_context() -> dict[str, Any]:
    active = ScoringConfig.objects.filter(is_active=True).first()
    latest_learned = ScoringConfig.objects.filter(source=ScoringConfig.Source.LEARNED).order_by("-version").first()
    return {
        "active": version_summary(active),
        # A newer learned version that did not win is shown too, so a manager can judge and activate it.
        "candidate": version_summary(latest_learned) if latest_learned and latest_learned != active else None,
        "history": history(),
        "rollback_to": previous_active(active),
        "new_outcomes": new_outcomes_since_training(),
        "cutoff_rule": CUTOFF_RULE,
        "retrain_every": settings.LEARNING_RETRAIN_EVERY,
    }
