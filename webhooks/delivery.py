"""Delivering one webhook: sign, POST, and on failure wait longer each time, for up to a day.

Each request is a POST of the event as JSON with these headers (the inbound-email hook's scheme,
`leadops.hmac_signing`, keyed with the endpoint's secret):

- `X-LeadOps-Event-Id`: the event's id, the same on every attempt and every endpoint: receivers deduplicate by it
  (delivery is at least once);
- `X-LeadOps-Event`: its name, e.g. `lead.qualified`;
- `X-LeadOps-Timestamp`: when this attempt was signed, in whole Unix seconds;
- `X-LeadOps-Signature`: `sha256=` HMAC-SHA256 of `<timestamp>.<body>`.

A 2xx answer is an acknowledgement. Anything else (another status, a timeout, a refused connection) is
retried after `backoff(attempts)`: FIRST_RETRY, doubling, at most LONGEST_WAIT apart, until the row's
`retry_until`, when it is marked failed with the last error. Redirects are not followed: a receiver that
moved says so in the log instead of our signed body going somewhere else.
"""

import json
from datetime import timedelta
from typing import Any

import httpx
from django.db.models import F
from django.utils import timezone

from leadops.hmac_signing import sign
from webhooks.models import Delivery

GIVE_UP_AFTER = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=4)
TIMEOUT_SECONDS = 10.0
# A claimed attempt holds the row this long; a worker that died mid-request leaves it to the sweep after.
LEASE = timedelta(minutes=2)
EVENT_ID_HEADER = "X-LeadOps-Event-Id"
EVENT_HEADER = "X-LeadOps-Event"
TIMESTAMP_HEADER = "X-LeadOps-Timestamp"
SIGNATURE_HEADER = "X-LeadOps-Signature"
SWEEP_BATCH = 200


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def body_bytes(delivery: Delivery) -> bytes:
    return json.dumps(delivery.body, separators=(",", ":"), ensure_ascii=False).encode()


def headers_for(delivery: Delivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json", "User-Agent": "LeadOps-Webhooks/1",
        EVENT_ID_HEADER: str(delivery.event_id), EVENT_HEADER: delivery.event,
        TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(delivery.endpoint.secret, timestamp, body),
    }


def _post(delivery: Delivery, now: Any) -> tuple[int | None, str]:
    body = body_bytes(delivery)
    try:
        response = httpx.post(delivery.endpoint.url, content=body, headers=headers_for(delivery, body,
                                                                                       int(now.timestamp())),
                              timeout=TIMEOUT_SECONDS, follow_redirects=False)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"The receiver answered HTTP {response.status_code}."


def attempt(delivery_id: Any) -> str:
    """One attempt if the delivery is due: "delivered", "retrying", "failed", or "not due" (claimed elsewhere)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + LEASE, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return "not due"
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    status, error = _post(delivery, now)
    if not error:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.DELIVERED, delivered_at=timezone.now(),
                                                       last_status=status, last_error="", updated_at=timezone.now())
        return "delivered"
    retry_at = now + backoff(delivery.attempts)
    if retry_at > delivery.retry_until or not delivery.endpoint.is_active:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, last_status=status,
                                                       last_error=error, updated_at=timezone.now())
        return "failed"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=retry_at, last_status=status, last_error=error,
                                                   updated_at=timezone.now())
    return "retrying"


def due_ids(now: Any) -> list[Any]:
    """Pending deliveries whose next attempt is due (retries, and first attempts whose task was lost)."""
    return list(Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])


def send_again(delivery: Delivery) -> None:
    """A person's "send again": the same event (same id and body) goes out once more, with a fresh day of retries."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.PENDING, next_attempt_at=now, attempts=0,
                                                   retry_until=now + GIVE_UP_AFTER, updated_at=now)
