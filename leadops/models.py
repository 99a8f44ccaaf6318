"""Settings a manager can change at run time from the Settings page, the log of every change, the tasks
waiting for the broker, the progress of long background jobs, and the LLM calls no other row records."""

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from leadops import progress


class RuntimeSetting(models.Model):
    """The current value of one run-time setting, overriding the environment's default."""

    key = models.CharField(max_length=50, unique=True)
    value = models.JSONField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.value!r}"


class SettingChange(models.Model):
    """Append-only history: who changed which setting from what to what."""

    key = models.CharField(max_length=50)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key}: {self.old_value!r} -> {self.new_value!r}"


class DeferredTask(models.Model):
    """A task the broker did not take when it was queued (Redis away); `leadops.outbox` sends it later.

    Deleted once sent: the table holds only what still waits, so /healthz counts it.
    """

    task_id = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=200)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} waiting since {self.created_at:%Y-%m-%d %H:%M:%S}"


class Job(models.Model):
    """A long piece of background work someone waits for: how far it got, how fast, its end, where to look.

    The apps that run the work write the progress (`leadops.jobs`); the Jobs page and the job's own page read it,
    so a person can leave and come back, or reload, and find it again. `subject` ties a job to what it belongs to
    (the import whose leads it qualifies), `link` is the page that shows the result.
    """

    class Kind(models.TextChoices):
        QUALIFY = "qualify", "Qualifying imported leads"
        RESCORE = "rescore", "Re-scoring open leads"
        TRAIN = "train", "Training the scoring model"
        ASSIGN = "assign", "Assigning leads"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    unit = models.CharField(max_length=20, default="leads")
    subject = models.CharField(max_length=100, blank=True)
    link = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True, help_text="How it ended, in words for the user")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The import page finds the qualification job of its import.
            models.Index(fields=["subject", "kind"], name="job_subject_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.RUNNING

    @property
    def percent(self) -> int:
        return progress.percent(self.done, self.total, succeeded=self.status == self.Status.DONE)

    @property
    def elapsed_seconds(self) -> float:
        return max(0.0, ((self.finished_at or timezone.now()) - self.created_at).total_seconds())

    @property
    def rate(self) -> float | None:
        """Units done a second so far."""
        return progress.rate(self.done, self.elapsed_seconds)

    @property
    def seconds_left(self) -> float | None:
        return None if self.is_finished else progress.seconds_left(self.done, self.total, self.elapsed_seconds)


class LLMCall(models.Model):
    """One LLM call a feature made outside qualification and reply reading (which keep theirs on the Trace and
    the timeline entry): its purpose, prompt version, model, tokens, cost, latency and how it ended."""

    purpose = models.CharField(max_length=50)
    prompt_version = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    duration_ms = models.FloatField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, help_text="Empty when the call gave a usable answer")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "LLM call"

    def __str__(self) -> str:
        return f"{self.purpose} ({self.model}) at {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def store(cls, record: Any) -> "LLMCall":
        """Keep a `leadops.llm.CallRecord` (answered or not) as a row."""
        return cls.objects.create(
            purpose=record.purpose[:50], prompt_version=record.prompt_version[:100], model=record.model[:100],
            prompt_tokens=record.prompt_tokens, cached_tokens=record.cached_tokens,
            completion_tokens=record.completion_tokens,
            cost_usd=Decimal(str(record.cost_usd)).quantize(Decimal("1e-6")),
            duration_ms=round(record.duration_ms, 1), attempts=record.attempts, error=record.error[:500],
        )
