"""Webhooks out against a real HTTP receiver on loopback: signed, retried with backoff, delivered once acknowledged."""

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from conftest import LeadFactory
from leadops.hmac_signing import sign
from leads.outcomes import record_outcome
from webhooks import delivery
from webhooks.models import Delivery, Endpoint
from webhooks.tasks import deliver_due_webhooks

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server that answers 500 to the first `failures` requests, then 204; it keeps every request."""

    def __init__(self, failures: int) -> None:
        self.failures, self.requests = failures, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(500 if len(receiver.requests) <= receiver.failures else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/leadops"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky_receiver() -> Iterator[Receiver]:
    receiver = Receiver(failures=2)
    yield receiver
    receiver.close()


def test_a_webhook_is_retried_with_backoff_and_delivered_once_acknowledged_with_valid_signatures(
    flaky_receiver, manager, django_capture_on_commit_callbacks
):
    endpoint = Endpoint.objects.create(url=flaky_receiver.url, events=[Endpoint.Event.OUTCOME_RECORDED],
                                       created_by=manager)
    lead = LeadFactory()
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            record_outcome(lead, "booked_demo", "Tuesday 10:00", user=manager)
        row = Delivery.objects.get()
        assert (row.state, row.attempts, row.last_status) == (Delivery.State.PENDING, 1, 500)
        assert row.next_attempt_at == start + delivery.FIRST_RETRY

        clock.shift(delivery.FIRST_RETRY - timedelta(seconds=1))
        deliver_due_webhooks()
        assert len(flaky_receiver.requests) == 1  # not due yet

        clock.shift(timedelta(seconds=1))
        deliver_due_webhooks()
        row.refresh_from_db()
        assert (row.state, row.attempts) == (Delivery.State.PENDING, 2)
        assert row.next_attempt_at == timezone.now() + 2 * delivery.FIRST_RETRY  # the wait doubled

        clock.shift(2 * delivery.FIRST_RETRY)
        deliver_due_webhooks()
        deliver_due_webhooks()  # acknowledged: nothing more goes out

    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status) == (Delivery.State.DELIVERED, 3, 204)
    assert len(flaky_receiver.requests) == 3
    event_ids = {headers["X-LeadOps-Event-Id"] for headers, _ in flaky_receiver.requests}
    assert event_ids == {str(row.event_id)}
    for headers, body in flaky_receiver.requests:
        assert headers["X-LeadOps-Signature"] == sign(endpoint.secret, headers["X-LeadOps-Timestamp"], body)
        event = json.loads(body)
        assert (event["id"], event["type"]) == (str(row.event_id), "outcome.recorded")
        assert event["data"]["lead"]["id"] == str(lead.id)
        assert event["data"]["outcome"]["outcome"] == "booked_demo"
    timestamps = [int(headers["X-LeadOps-Timestamp"]) for headers, _ in flaky_receiver.requests]
    assert [later - earlier for earlier, later in zip(timestamps, timestamps[1:])] == [30, 60]


def test_a_delivery_gives_up_a_day_after_the_event_and_send_again_delivers_it(manager):
    receiver = Receiver(failures=10_000)
    try:
        endpoint = Endpoint.objects.create(url=receiver.url, events=[Endpoint.Event.LEAD_CREATED])
        start = timezone.now()
        row = Delivery.objects.create(endpoint=endpoint, event=Endpoint.Event.LEAD_CREATED, body={"id": "x"},
                                      next_attempt_at=start, retry_until=start + delivery.GIVE_UP_AFTER)
        with time_machine.travel(start, tick=False) as clock:
            outcomes = []
            for _ in range(40):
                outcomes.append(delivery.attempt(row.pk))
                row.refresh_from_db()
                if row.state != Delivery.State.PENDING:
                    break
                clock.move_to(row.next_attempt_at)
        assert outcomes[-1] == "failed"
        assert row.last_error == "The receiver answered HTTP 500."
        waits = [delivery.backoff(n) for n in range(1, row.attempts)]
        assert max(waits) == delivery.LONGEST_WAIT
        receiver.failures = 0
        delivery.send_again(row)
        assert delivery.attempt(row.pk) == "delivered"
    finally:
        receiver.close()


def test_nothing_is_written_when_no_endpoint_hears_the_event(django_capture_on_commit_callbacks, manager):
    Endpoint.objects.create(url="http://127.0.0.1:9/", events=[Endpoint.Event.EMAIL_SENT])
    with django_capture_on_commit_callbacks(execute=True):
        record_outcome(LeadFactory(), "closed_won", user=manager)
    assert not Delivery.objects.exists()
