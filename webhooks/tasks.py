"""The webhook tasks: deliver fresh events at once, and the sweep that retries what is due."""

from typing import Any

from celery import shared_task
from django.utils import timezone

from webhooks import delivery


@shared_task(acks_late=True, ignore_result=True)
def deliver_webhooks(delivery_ids: list[Any]) -> dict[str, int]:
    """First attempts for fresh deliveries; each attempt claims its row, so a redelivered task is harmless."""
    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        outcome = delivery.attempt(delivery_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(acks_late=True, ignore_result=True)
def deliver_due_webhooks() -> dict[str, int]:
    """Beat: the retries whose time has come (and first attempts whose task was lost)."""
    return deliver_webhooks(delivery.due_ids(timezone.now()))
