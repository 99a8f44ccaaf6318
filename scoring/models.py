"""Versioned scoring configurations and the trace of every qualification run."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from scoring.rules import DEFAULT_THRESHOLDS


class ScoringConfig(models.Model):
    """One version of the scoring: rule weights, thresholds and (when learned) the fitted model.

    Versions are never edited once saved: a change is a new version, and any earlier
    version can be activated again (scoring.versions). Exactly one version is active at a time.
    """

    class Source(models.TextChoices):
        RULES = "rules", "Rules (default)"
        MANUAL = "manual", "Edited by a manager"
        LEARNED = "learned", "Learned from outcomes"

    version = models.PositiveIntegerField(unique=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RULES)
    is_active = models.BooleanField(default=False)
    # {"seniority.vp": 20, "negative.free_mail": -10, ...}; see scoring.rules for the keys.
    weights = models.JSONField(default=dict, blank=True)
    # {"hot": 70, "warm": 45, "disqualify": 15}: rule points at or above which a lead is HOT / WARM, and
    # below which it is a low fit. On the rules' scale for every version, learned ones included.
    thresholds = models.JSONField(default=dict, blank=True)
    # Ideal customer profile and word lists: {"icp_industries": [...], "competitor_domains": [...], ...}
    profile = models.JSONField(default=dict, blank=True)
    # The fitted additive model of a learned version (bins, contributions, calibration), with its own
    # HOT / WARM cut-offs on its scale, the calibrated probability in percent: {"cutoffs": {"hot": 20, ...}}.
    model = models.JSONField(default=dict, blank=True)
    # Cross-validated metrics: {"auc": ..., "brier": ..., "calibration": [...], "label_rates": {...}}
    metrics = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_scoring_config"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_source_display()}){' · active' if self.is_active else ''}"

    @classmethod
    def next_version(cls) -> int:
        latest = cls.objects.order_by("-version").values_list("version", flat=True).first()
        return (latest or 0) + 1

    def min_conversions(self) -> int:
        """Conversions needed before a learned version's scores are trusted (profile, else the setting)."""
        return int(self.profile.get("min_conversions") or settings.LEARNING_MIN_CONVERSIONS)

    def has_enough_outcomes(self) -> bool:
        return int(self.metrics.get("conversions", 0)) >= self.min_conversions()

    def scores_with_model(self) -> bool:
        """A version with a learned model scores leads with it once it has enough outcomes, by its rules before.

        A manager's threshold edit of a learned version keeps the model (source "manual").
        """
        return bool(self.model) and self.has_enough_outcomes()

    def label_cutoffs(self) -> dict[str, int]:
        """The HOT / WARM cut-offs of the scores this version gives leads.

        A learned model's score is a probability in percent, cut where its training put the top 20 %;
        a rule score is points, cut at `thresholds`. The scales never mix: 20 points is a weak lead,
        a 20 % chance of converting can be a team's best.
        """
        if self.scores_with_model():
            cutoffs = self.model["cutoffs"]
        else:
            cutoffs = {**DEFAULT_THRESHOLDS, **self.thresholds}
        return {"hot": int(cutoffs["hot"]), "warm": int(cutoffs["warm"])}


class Trace(models.Model):
    """What one pipeline run did: node by node, with LLM use. Holds no raw personal data."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        SKIPPED = "skipped", "Skipped (unchanged)"
        FAILED = "failed", "Failed"

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="traces")
    run_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OK)
    # [{"node": "score_lead", "started_at": iso, "duration_ms": 1.2, "status": "ok", "summary": "..."}]
    node_events = models.JSONField(default=list, blank=True)
    llm_inputs = models.JSONField(default=list, blank=True, help_text="Redacted: hashed email, no names or phones")
    llm_outputs = models.JSONField(default=list, blank=True)
    llm_model = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=50, blank=True)
    used_llm = models.BooleanField(default=False)
    fell_back = models.BooleanField(default=False, help_text="The LLM was wanted but rules decided")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    duration_ms = models.FloatField(default=0)
    config_version = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Pipeline runs on the lead page, newest first.
            models.Index(fields=["lead", "-created_at"], name="trace_lead_created_idx"),
        ]

    def __str__(self) -> str:
        return f"run {str(self.run_id)[:8]} · {self.get_status_display()}"
