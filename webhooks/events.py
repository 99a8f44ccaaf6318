"""Turning a domain event into delivery rows, one per endpoint that hears it, all with one event id per event.

The body is `{"id", "type", "created_at", "data"}`; `data` holds the lead as `lead_data` reads it and
whatever the event adds (the draft, the outcome). Nothing is written when no active endpoint hears the
event, so a million-row import with no `lead.created` hook costs one query per batch.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from leads.models import Lead
from webhooks.delivery import GIVE_UP_AFTER
from webhooks.models import Delivery, Endpoint
from webhooks.tasks import deliver_webhooks

LEAD_FIELDS = ("id", "email", "first_name", "last_name", "company_name", "job_title", "status", "score_label",
               "score_value", "recommended_action", "source", "created_at", "updated_at")
CHUNK = 1000


def listeners(event: str) -> list[Endpoint]:
    # The event list is JSON; filtering in Python works on SQLite and PostgreSQL alike, and endpoints are few.
    return [endpoint for endpoint in Endpoint.objects.filter(is_active=True) if event in endpoint.events]


def lead_data(lead_ids: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    rows = Lead.objects.filter(pk__in=list(lead_ids), erased_at__isnull=True).values(*LEAD_FIELDS)
    return {row["id"]: {**row, "id": str(row["id"]), "created_at": row["created_at"].isoformat(),
                        "updated_at": row["updated_at"].isoformat()} for row in rows}


def emit(event: str, lead_ids: Iterable[Any], extra: dict[Any, dict[str, Any]] | None = None) -> int:
    """One event per lead to every endpoint that hears `event`; `extra[lead_id]` is added to its data."""
    endpoints = listeners(event)
    if not endpoints:
        return 0
    ids = list(lead_ids)
    queued = 0
    for start in range(0, len(ids), CHUNK):
        now = timezone.now()
        rows = []
        for lead_id, lead in lead_data(ids[start:start + CHUNK]).items():
            event_id = uuid.uuid4()
            body = {"id": str(event_id), "type": event, "created_at": now.isoformat(),
                    "data": {"lead": lead, **((extra or {}).get(lead_id) or {})}}
            rows += [Delivery(endpoint=endpoint, event_id=event_id, event=event, body=body, next_attempt_at=now,
                              retry_until=now + GIVE_UP_AFTER) for endpoint in endpoints]
        created = Delivery.objects.bulk_create(rows)
        deliver_webhooks.delay_on_commit([row.pk for row in created])
        queued += len(created)
    return queued
