"""The inbound-email hook's door: signed and timestamped requests, hostile bodies, replays."""

import hashlib
import hmac
import json
import random
import time

import pytest
from django.test import Client
from django.utils import timezone

from api.inbound_email import sign
from leads.models import ActivityLog
from outreach import sequences
from outreach.models import EmailDraft, Enrollment

SECRET = "inbound-test-secret"
HOOK = "/hooks/inbound-email"


@pytest.fixture
def sent_draft(draft_factory, settings):  # type: ignore[no-untyped-def]
    settings.INBOUND_EMAIL_SECRET = SECRET
    return draft_factory(state=EmailDraft.State.SENT, sent_at=timezone.now(), message_id="<abc.1@example.com>")


def _post(body: bytes, *, timestamp: int | str | None = None, signature: str | None = None):  # type: ignore[no-untyped-def]
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {"HTTP_X_LEADOPS_TIMESTAMP": str(timestamp),
               "HTTP_X_LEADOPS_SIGNATURE": signature or sign(SECRET, timestamp, body)}
    return Client().post(HOOK, body, content_type="application/json", **headers)


def _reply(draft: EmailDraft, text: str, **extra: object) -> bytes:
    return json.dumps({"from": draft.lead.email, "subject": "Re: lead routing", "text": text,
                       "in_reply_to": draft.message_id, **extra}).encode()


def _replies(draft: EmailDraft) -> int:
    return draft.lead.activities.filter(type=ActivityLog.Type.REPLY_RECEIVED).count()


@pytest.mark.parametrize("field", ["text", "subject", "from", "message_id", "in_reply_to"])
def test_a_nul_character_in_any_field_is_a_400_naming_the_field(sent_draft, field):
    payload = json.loads(_reply(sent_draft, "Sounds good"))
    payload[field] = (payload.get(field) or "x@acme.com") + "\u0000"
    response = _post(json.dumps(payload).encode())
    assert response.status_code == 400
    assert response.json()["message"].startswith(field) and "NUL" in response.json()["message"]
    assert _replies(sent_draft) == 0


def test_a_nul_or_a_lone_surrogate_in_a_header_is_a_400(sent_draft):
    for headers in ({"X-Note": "a\u0000b"}, {"X-Note\u0000": "a"}, {"X-Note": "\ud800"}):
        assert _post(_reply(sent_draft, "Sounds good", headers=headers)).status_code == 400
    assert _post(_reply(sent_draft, "Sounds good \ud83d")).status_code == 400


@pytest.mark.parametrize("depth", [50, 5_000, 100_000])
def test_deeply_nested_bodies_are_a_400(sent_draft, depth):
    for body in ("[" * depth + "]" * depth, '{"from": "a@acme.com", "headers": ' + '{"a": ' * depth + "1" + "}" * depth
                 + "}"):
        response = _post(body.encode())
        assert response.status_code == 400, body[:40]


def test_a_message_without_a_message_id_is_processed_once_however_often_the_request_is_replayed(sent_draft):
    body = _reply(sent_draft, "Sounds good, can we set up a call?")
    timestamp = int(time.time())
    first = _post(body, timestamp=timestamp)
    assert first.status_code == 200 and first.json()["status"] == "matched"
    for _ in range(3):
        assert _post(body, timestamp=timestamp).json()["status"] == "duplicate"
    assert _replies(sent_draft) == 1


@pytest.mark.parametrize("offset", [-301, -3600, 301])
def test_a_request_signed_outside_the_window_is_refused(sent_draft, offset):
    response = _post(_reply(sent_draft, "Sounds good"), timestamp=int(time.time()) + offset)
    assert response.status_code == 401 and response.json()["error"] == "stale_timestamp"
    assert _replies(sent_draft) == 0


def test_a_signature_of_the_body_alone_or_without_a_timestamp_is_refused(sent_draft):
    body = _reply(sent_draft, "Sounds good")
    old_style = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert _post(body, signature=old_style).json()["error"] == "bad_signature"
    response = Client().post(HOOK, body, content_type="application/json", HTTP_X_LEADOPS_SIGNATURE=old_style)
    assert response.status_code == 401 and response.json()["error"] == "bad_timestamp"
    for timestamp in ("soon", "-5", "1e9", "９９"):
        assert _post(body, timestamp=timestamp).json()["error"] == "bad_timestamp"


def test_the_timestamp_cannot_be_changed_without_the_secret(sent_draft):
    body = _reply(sent_draft, "Sounds good")
    old = int(time.time()) - 3600
    response = _post(body, timestamp=int(time.time()), signature=sign(SECRET, old, body))
    assert response.json()["error"] == "bad_signature"


def _hostile_values(rng: random.Random) -> list[object]:
    text = "".join(rng.choice(["a", "é", "\u0000", "\ud800", "\U0001f600", "\n", '"', "\\", "<", "@", " "])
                   for _ in range(rng.randint(0, 40)))
    return [text, rng.randint(-10**30, 10**30), rng.random() * 1e308, None, True, [], {}, [text], {"k": text},
            "x" * rng.choice([0, 999, 1001, 100_001]), rng.choice(["a@b", "<m@x>", "Dana <dana@acme.com>"])]


def test_no_signed_body_makes_the_hook_fail_with_a_server_error(sent_draft):
    """A seeded fuzz of 600 signed bodies: wrong types, control characters, surrogates, huge values, nesting."""
    rng = random.Random(14)
    fields = ["from", "to", "subject", "text", "message_id", "in_reply_to", "headers", "extra"]
    statuses = []
    for case in range(600):
        payload: object = {name: rng.choice(_hostile_values(rng)) for name in rng.sample(fields, rng.randint(0, 8))}
        if case % 7 == 0:
            payload = {"from": sent_draft.lead.email, "in_reply_to": sent_draft.message_id,
                       "headers": {rng.choice(["References", "Content-Type", "X"]): rng.choice(_hostile_values(rng))}}
        if case % 11 == 0:
            payload = rng.choice([[payload], "text", 12, None, [[[]]] * 3])
        body = json.dumps(payload, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
        statuses.append(_post(body).status_code)
    assert max(statuses) < 500, sorted(set(statuses))
    assert {200, 202, 400} <= set(statuses)


def test_a_hung_llm_does_not_make_the_hook_answer_slower_than_two_seconds(
    sent_draft, llm_on, settings, django_capture_on_commit_callbacks
):
    sequences.enroll(sent_draft.lead, sent_draft.sent_at)
    llm_on.latency = 30.0  # the server takes the request and never answers in time
    body = _reply(sent_draft, "What would this cost for a team of twelve people?")

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _post(body)
    elapsed = time.monotonic() - started

    assert response.status_code == 200 and response.json()["classification"] == "other"
    assert elapsed < 2.0
    assert _replies(sent_draft) == 1
    assert Enrollment.objects.get(lead=sent_draft.lead).stop_reason == "replied (other reply)"
    # The LLM's reading is queued for a worker once the reply is stored (beside the reply.received announcement).
    assert [callback for callback in queued if "read_reply_with_llm" in repr(callback)] != []
    assert llm_on.requests == []
