"""Sequences a team designs, the rules that choose one for a lead, their steps and the leads enrolled in them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from leads.models import Lead, Task
from outreach.models.variants import Variant


class Sequence(models.Model):
    """An ordered set of steps (up to five) a lead works through, one sequence at a time.

    A follow-up sequence starts when a lead's first touch is sent; which one is chosen by the rules
    (`SequenceRule`, in order; the default sequence catches the rest). The nurture sequence takes the
    leads a qualification holds or scores COLD (`outreach.nurture`).
    """

    class Purpose(models.TextChoices):
        FOLLOW_UP = "follow_up", "Follow-up after a first touch"
        NURTURE = "nurture", "Nurture for held and cold leads"

    name = models.CharField(max_length=100, unique=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.FOLLOW_UP)
    is_default = models.BooleanField(default=False, help_text="Follow-up leads no rule matches get this sequence")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_sequence"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Said in words here; the constraint's own message names only the constraint.
        if self.is_default:
            other = Sequence.objects.filter(is_default=True).exclude(pk=self.pk).first()
            if other is not None:
                raise ValidationError({"is_default": f"“{other}” is the default sequence; untick Default there first."})
            if self.purpose == self.Purpose.NURTURE:
                raise ValidationError({"is_default": "The default sequence is a follow-up one, not nurture."})


class SequenceRule(models.Model):
    """Which follow-up sequence a lead gets: the first rule (lowest position) whose every set field matches."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=1, help_text="Rules are tried from the lowest number up")
    source = models.CharField(max_length=20, blank=True, help_text="Leads from this source (blank = any)")
    score_label = models.CharField(max_length=4, blank=True, help_text="Leads with this label (blank = any)")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+", help_text="Leads of this rep (blank = any)")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"Rule {self.position} → {self.sequence}"

    @property
    def summary(self) -> str:
        """The rule in words: "Partner leads, HOT, of rita"."""
        parts = [f"{Lead.Source(self.source).label} leads" if self.source in Lead.Source.values else "Leads",
                 *([self.score_label] if self.score_label else []),
                 *([f"owned by {self.owner.get_full_name() or self.owner.get_username()}"] if self.owner_id else [])]
        return ", ".join(parts)

    def clean(self) -> None:
        if not (self.source or self.score_label or self.owner_id):
            raise ValidationError("Give the rule a source, a label or an owner; the default sequence catches the rest.")


class SequenceStep(models.Model):
    """One step: an email (from one or more template variants, A/B) or a task for a rep that pauses the sequence.

    `wait_business_days` counts from the previous step (for the first step of a follow-up sequence, the first
    touch itself: 0), on the recipient's working days (`outreach.calendar`). `tone` and `length` are guidance
    for the LLM drafter.
    """

    MAX_STEPS = 5

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        TASK = "task", "Task for the rep"

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80, blank=True, help_text="What the step is for: “Case study”")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EMAIL)
    variant = models.CharField(max_length=20, choices=Variant.choices,
                               default=Variant.FOLLOW_UP_1)
    wait_business_days = models.PositiveSmallIntegerField(default=0, help_text="Working days after the previous step")
    tone = models.CharField(max_length=100, blank=True, help_text="e.g. warm, direct, no jargon")
    length = models.CharField(max_length=100, blank=True, help_text="e.g. under 90 words")
    # Template keys; two or more make an A/B test. A retired key stays listed (its drafts' history) but
    # is not given to new leads.
    template_keys = models.JSONField(default=list, blank=True)
    retired_template_keys = models.JSONField(default=list, blank=True)
    task_kind = models.CharField(max_length=10, choices=Task.Kind.choices, blank=True)
    task_title = models.CharField(max_length=200, blank=True, help_text="What the rep is asked to do")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sequence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "position"], name="sequence_step_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} · step {self.position}: {self.label}"

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return self.get_task_kind_display() if self.kind == self.Kind.TASK else self.get_variant_display()

    @property
    def live_template_keys(self) -> list[str]:
        """The variants new leads are given (every key, less the retired ones)."""
        return [key for key in self.template_keys if key not in self.retired_template_keys]

    @property
    def guidance(self) -> str:
        """The step's tone and length, as the LLM drafter reads them."""
        parts = [f"Tone: {self.tone}." if self.tone else "", f"Length: {self.length}." if self.length else ""]
        return " ".join(part for part in parts if part)

    def clean(self) -> None:
        if self.kind == self.Kind.TASK:
            if not self.task_kind:
                raise ValidationError({"task_kind": "Choose what kind of task the rep gets (call, LinkedIn, other)."})
            if not self.task_title.strip():
                raise ValidationError({"task_title": "Say what the rep is asked to do."})
        elif not self.template_keys:
            raise ValidationError({"template_keys": "Choose at least one template for an email step."})
        retired = [key for key in self.retired_template_keys if key in self.template_keys]
        if self.template_keys and len(retired) == len(self.template_keys):
            raise ValidationError({"template_keys": "Keep at least one template that is not retired."})


class Enrollment(models.Model):
    """A lead working through a sequence. Stops on reply, meeting, unsubscribe, bounce, disqualify or close."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"
        FINISHED = "finished", "Finished"

    # Still under way: a paused enrollment (waiting for a rep's task) resumes, so the lead is still in it.
    OPEN_STATUSES = (Status.ACTIVE, Status.PAUSED)

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="enrollments")
    sequence = models.ForeignKey(Sequence, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    # Position of the last step drafted; the next due step is the one after it.
    last_step_position = models.PositiveSmallIntegerField(default=1)
    next_due_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Why and since when the steps wait (outreach.pausing): blank unless paused.
    paused_reason = models.CharField(max_length=200, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A paused enrollment resumes, so it counts as the lead's one open enrollment.
            models.UniqueConstraint(
                fields=["lead"], condition=Q(status__in=["active", "paused"]), name="one_open_enrollment_per_lead"
            ),
        ]
        indexes = [
            # The beat task's scan for due steps.
            models.Index(fields=["next_due_at"], condition=Q(status="active"), name="enrollment_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} in {self.sequence} ({self.get_status_display()})"
