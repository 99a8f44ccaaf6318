"""What the assistant keeps: each user's conversations, their messages, the tool calls behind each answer,
the actions it proposed (which wait for the user's confirmation) and the notifications it raised."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The history list: a user's conversations, latest first.
            models.Index(fields=["user", "-updated_at"], name="conversation_user_idx"),
        ]

    def __str__(self) -> str:
        return self.title or "New conversation"

    def get_absolute_url(self) -> str:
        return reverse("assistant:conversation", args=[self.pk])


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "You"
        ASSISTANT = "assistant", "Assistant"

    class Status(models.TextChoices):
        PENDING = "pending", "Being written"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    # The leads this answer listed, in order: what "those leads" and "that lead" mean in the next question.
    lead_ids = models.JSONField(default=list, blank=True)
    # Figures in the answer that no tool result of the same turn gave (shown marked).
    unsupported = models.JSONField(default=list, blank=True)
    mode = models.CharField(max_length=20, blank=True, help_text="native, json_schema or none (no LLM)")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_conversation_idx")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.text[:60]}"


class ToolCall(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="tool_calls")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=60)
    arguments = models.JSONField(default=dict, blank=True)
    # The result as the model saw it: redacted (no raw addresses or phone numbers unless asked for).
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["message", "position"]

    def __str__(self) -> str:
        return self.name


class ProposedAction(models.Model):
    """A change the assistant proposes; nothing happens until the user confirms it (`assistant.actions`)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for your confirmation"
        CONFIRMED = "confirmed", "Done"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Could not be done"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposed_actions")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=300, help_text="What will change, in words")
    lead_ids = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    outcome = models.CharField(max_length=300, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.summary

    @property
    def count(self) -> int:
        return len(self.lead_ids)


class Notification(models.Model):
    """Something a rep should hear of at once: a HOT lead arrived, a lead replied interested."""

    class Kind(models.TextChoices):
        HOT_LEAD = "hot_lead", "HOT lead"
        INTERESTED_REPLY = "interested_reply", "Interested reply"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One notification per user, lead and kind: a re-run of the pipeline does not notify twice.
            models.UniqueConstraint(fields=["user", "lead", "kind"], name="notification_once"),
        ]
        indexes = [
            # The panel's unread count.
            models.Index(fields=["user", "-created_at"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "lead": str(self.lead_id)}
