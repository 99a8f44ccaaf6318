"""A manager tuning the scoring by hand: read the edited weights, preview their effect, save a version.

Saving never edits a version: it creates a new ScoringConfig (source "manual") whose parent is
the one it was edited from, and activates it (scoring.versions, which also re-scores the open leads
and tells the lead lists); any earlier version can be activated again (`versions.roll_back`).
The preview re-scores a sample of the newest leads under both the active and the edited
configuration, so a manager sees how the HOT/WARM/COLD split would move before saving. A sample
keeps the preview under a second at a million leads; the page says how large it was.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db import IntegrityError, transaction

from leads.models import Lead
from scoring import versions
from scoring.enrichment import offline_inputs
from scoring.models import ScoringConfig
from scoring.pipeline.nodes import scored
from scoring.rules import DEFAULT_PROFILE, DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS, Rules

PREVIEW_SAMPLE = 1000
WEIGHT_LIMIT = 100


@dataclass
class ScoringEdit:
    """Weights and thresholds as submitted, checked; `errors` names each bad field and value."""

    weights: dict[str, float] = field(default_factory=dict)
    thresholds: dict[str, int] = field(default_factory=dict)
    notes: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def config_in_force() -> ScoringConfig:
    """The version that scores leads, which an edit starts from.

    The built-in rules (unsaved, version 0) when no version is active yet.
    """
    return ScoringConfig.objects.filter(is_active=True).first() or ScoringConfig(
        version=0, source=ScoringConfig.Source.RULES, weights=dict(DEFAULT_WEIGHTS),
        thresholds=dict(DEFAULT_THRESHOLDS), profile=dict(DEFAULT_PROFILE), notes="Built-in default rules",
    )


def _number(raw: str) -> float:
    value = float(raw)
    return int(value) if value.is_integer() else value


def read_edit(data: Mapping[str, Any], base: ScoringConfig) -> ScoringEdit:
    """Only the base version's weight keys are editable: rules define them, a form cannot invent them."""
    edit = ScoringEdit(notes=str(data.get("notes", "")).strip()[:500])
    for key, current in base.weights.items():
        raw = str(data.get(f"weight:{key}", current)).strip()
        try:
            value = _number(raw)
        except ValueError:
            edit.errors[f"weight:{key}"] = f"Weight {key}: '{raw}' is not a number"
            continue
        if abs(value) > WEIGHT_LIMIT:
            edit.errors[f"weight:{key}"] = f"Weight {key}: {raw} is outside -{WEIGHT_LIMIT}..{WEIGHT_LIMIT}"
            continue
        edit.weights[key] = value
    for name in base.thresholds or {"hot": 70, "warm": 40}:
        raw = str(data.get(f"threshold:{name}", base.thresholds.get(name, ""))).strip()
        try:
            value = int(raw)
        except ValueError:
            edit.errors[f"threshold:{name}"] = f"{name.upper()} threshold: '{raw}' is not a whole number"
            continue
        if not 0 <= value <= 100:
            edit.errors[f"threshold:{name}"] = f"{name.upper()} threshold: {value} is outside 0..100"
            continue
        edit.thresholds[name] = value
    # Labels are cut from the top down: HOT above WARM above the low-fit (disqualify) line.
    ordered = [name for name in ("hot", "warm", "disqualify") if name in edit.thresholds]
    for upper, lower in pairwise(ordered):
        if not edit.errors and edit.thresholds[lower] >= edit.thresholds[upper]:
            edit.errors[f"threshold:{lower}"] = (
                f"{lower.upper()} threshold {edit.thresholds[lower]} must be below "
                f"{upper.upper()} threshold {edit.thresholds[upper]}"
            )
    return edit


def _labels(leads: list[Lead], inputs: list[tuple[Any, Any, Any]], config: ScoringConfig) -> list[str]:
    """The label the pipeline's score step would give each lead under `config` (learned or rules)."""
    rules = Rules.of(config)
    return [scored(lead, snapshot, enriched, memory, rules, config)[0].label
            for lead, (snapshot, enriched, memory) in zip(leads, inputs)]


def edited(base: ScoringConfig, edit: ScoringEdit) -> ScoringConfig:
    """The (unsaved) version an edit makes of `base`.

    A learned model is kept, with its figures, when only thresholds change: they are the rules'
    (low fit, and the labels while outcomes are few), and the model cuts its own labels. Changed
    weights are a manager overruling what was learned, so the new version scores by the rules.
    """
    keep_model = edit.weights == base.weights
    return ScoringConfig(
        version=0, source=ScoringConfig.Source.MANUAL, weights={**base.weights, **edit.weights},
        thresholds={**base.thresholds, **edit.thresholds}, profile=base.profile,
        model=base.model if keep_model else {}, metrics=base.metrics if keep_model else {},
    )


def preview(base: ScoringConfig, edit: ScoringEdit, sample_size: int = PREVIEW_SAMPLE) -> dict[str, Any]:
    """HOT/WARM/COLD of the newest leads under the active config and under the edit, side by side."""
    leads = list(Lead.objects.order_by("-created_at", "-id")[:sample_size])
    # What the rules read for each lead, with no web fetches in a preview.
    inputs = offline_inputs(leads, Rules.of(base).profile["competitor_domains"])
    after = edited(base, edit)
    labels_before = _labels(leads, inputs, base)
    # The same learned model labels the leads either way: its cut-offs are its own, not the rules'.
    same_model = base.scores_with_model() and after.model is base.model
    labels_after = labels_before if same_model else _labels(leads, inputs, after)
    count_before = {label.value: labels_before.count(label.value) for label in Lead.Label}
    count_after = {label.value: labels_after.count(label.value) for label in Lead.Label}
    rows = []
    for label in Lead.Label:
        rows.append({
            "label": label.value, "before": count_before[label.value], "after": count_after[label.value],
            "share_before": round(count_before[label.value] * 100 / len(leads), 1) if leads else 0,
            "share_after": round(count_after[label.value] * 100 / len(leads), 1) if leads else 0,
            "change": count_after[label.value] - count_before[label.value],
        })
    moved = sum(1 for old, new in zip(labels_before, labels_after) if old != new)
    return {"rows": rows, "sample": len(leads), "moved": moved}


def save_version(base: ScoringConfig, edit: ScoringEdit, user: Any) -> ScoringConfig:
    """A new manual version from the edit, activated at once."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                config = edited(base, edit)
                config.version = ScoringConfig.next_version()
                config.notes = edit.notes or f"Edited from v{base.version}"
                config.parent, config.created_by = (base if base.pk else None), user
                config.save()
                versions.activate(config, user)
            return config
        except IntegrityError:
            # Two managers saved at the same moment and took the same version number: take the next.
            continue
    raise IntegrityError("Could not allocate a new scoring version; please retry.")

