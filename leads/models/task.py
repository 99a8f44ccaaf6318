"""A rep's to-do linked to a lead: call, email, LinkedIn by hand or anything else, with a due date."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from leads.models.lead import Lead, TimeStamped


class Task(TimeStamped):
    """Created through `leads.rep_tasks` (by a person, the pipeline, a reply, a sequence step or the assistant)."""

    class Kind(models.TextChoices):
        CALL = "CALL", "Call"
        EMAIL = "EMAIL", "Email"
        LINKEDIN = "LINKEDIN", "LinkedIn message"
        CUSTOM = "CUSTOM", "To-do"

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        DONE = "DONE", "Done"
        CANCELLED = "CANCELLED", "Cancelled"

    class Source(models.TextChoices):
        MANUAL = "MANUAL", "Added by a person"
        PIPELINE = "PIPELINE", "Qualification"
        REPLY = "REPLY", "A reply"
        SEQUENCE = "SEQUENCE", "A sequence step"
        ASSISTANT = "ASSISTANT", "The assistant"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CALL)
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(  # indexed by task_assignee_open_due_idx
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tasks",
        db_index=False,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    # What made it ("enrollment:<id>:step:<pos>", "hot-no-email:<lead id>"): the same origin makes no second task.
    origin_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = [models.F("due_at").asc(nulls_last=True), "created_at"]
        constraints = [
            # Creating a task from a known origin twice (a retried pipeline run, a re-read reply) returns the first.
            models.UniqueConstraint(fields=["origin_key"], condition=~Q(origin_key=""), name="task_origin_key_unique"),
        ]
        indexes = [
            # Today: a rep's open tasks, overdue first.
            models.Index(fields=["assignee", "due_at"], condition=Q(status="OPEN"), name="task_assignee_open_due_idx"),
            # The lead page's tasks, open ones first.
            models.Index(fields=["lead", "status"], name="task_lead_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()
