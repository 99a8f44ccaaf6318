"""Webhook endpoints a manager registers, and one delivery row per event and endpoint (the delivery log)."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Endpoint(models.Model):
    """A URL that hears about the events it subscribes to, signed with its own secret."""

    class Event(models.TextChoices):
        LEAD_CREATED = "lead.created", "A lead was created"
        LEAD_QUALIFIED = "lead.qualified", "A lead was qualified"
        DRAFT_APPROVED = "draft.approved", "A draft was approved"
        EMAIL_SENT = "email.sent", "An email was sent"
        REPLY_RECEIVED = "reply.received", "A reply was received"
        LEAD_UNSUBSCRIBED = "lead.unsubscribed", "A lead unsubscribed"
        OUTCOME_RECORDED = "outcome.recorded", "An outcome was recorded"

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="The event names it hears")
    # The receiver needs it to verify signatures, so it is kept readable (unlike API tokens, which we only check).
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.secret:
            self.secret = "whsec_" + secrets.token_urlsafe(32)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Delivery(models.Model):
    """One event to one endpoint: the outbox row the delivery task claims, and its log line on the page.

    State machine: pending -> delivered | failed. A pending row waits for `next_attempt_at`; each failed
    attempt pushes it back (exponential backoff) until `retry_until` (`webhooks.delivery.GIVE_UP_AFTER` after the
    event), when it is failed. "Send again" puts a delivered or failed row back to pending with the same event id.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be delivered"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The same for every endpoint that hears one event: receivers deduplicate by it.
    event_id = models.UUIDField(default=uuid.uuid4)
    event = models.CharField(max_length=30, choices=Endpoint.Event.choices)
    body = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Attempts stop after this (a day after the event, or after "send again").
    retry_until = models.DateTimeField()
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The receiver's HTTP status")
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The endpoint's delivery log, newest first (the webhooks page).
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_created_idx"),
            # The sweep that re-queues deliveries whose task was lost.
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="delivery_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} -> {self.endpoint_id} ({self.state})"
