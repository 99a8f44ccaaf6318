import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from leads.models import ActivityLog
from outreach import replies, sequences
from outreach.models import EmailDraft, Enrollment, Suppression

SECRET = "inbound-test-secret"
HOOK = "/hooks/inbound-email"


@pytest.fixture
def sent_draft(draft_factory, settings):  # type: ignore[no-untyped-def]
    settings.INBOUND_EMAIL_SECRET = SECRET
    draft = draft_factory(state=EmailDraft.State.SENT, sent_at=timezone.now(), message_id="<abc.1@example.com>")
    sequences.enroll(draft.lead, draft.sent_at)
    return draft


def _post(payload: dict, secret: str | None = SECRET, signature: str | None = None):  # type: ignore[no-untyped-def]
    """Post as a mail provider would, signing the timestamp and the body (api.inbound_email's contract)."""
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()))
    headers = {"HTTP_X_LEADOPS_TIMESTAMP": timestamp}
    if secret is not None:
        headers["HTTP_X_LEADOPS_SIGNATURE"] = signature or "sha256=" + hmac.new(
            secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return Client(enforce_csrf_checks=True).post(HOOK, body, content_type="application/json", **headers)


def _reply(draft: EmailDraft, text: str, **extra: str) -> dict:
    return {"from": f"Dana <{draft.lead.email}>", "to": "sales@example.com", "subject": "Re: lead routing",
            "text": text, "message_id": "<reply-1@acme.com>", "in_reply_to": draft.message_id, **extra}


def test_unsigned_or_wrongly_signed_requests_get_401(sent_draft):
    payload = _reply(sent_draft, "Sounds good, let's talk.")
    assert _post(payload, secret=None).status_code == 401
    assert _post(payload, secret="guessed").status_code == 401
    assert _post(payload, signature="sha256=").status_code == 401
    assert not ActivityLog.objects.filter(type=ActivityLog.Type.REPLY_RECEIVED).exists()


def test_without_a_configured_secret_the_hook_is_off(sent_draft, settings):
    settings.INBOUND_EMAIL_SECRET = ""
    assert _post(_reply(sent_draft, "Hello")).status_code == 503


def test_a_malformed_payload_is_refused_naming_the_field(sent_draft):
    response = _post({"subject": "no sender"})
    assert response.status_code == 400 and "from" in response.json()["message"]


def test_a_reply_is_matched_by_in_reply_to_logged_and_stops_the_sequence(sent_draft):
    response = _post(_reply(sent_draft, "Sounds good, can we set up a call on Tuesday?"))
    assert response.json() == {"status": "matched", "lead": str(sent_draft.lead.pk),
                               "classification": "interested", "matched_by": "message_id"}
    logged = sent_draft.lead.activities.get(type=ActivityLog.Type.REPLY_RECEIVED)
    assert logged.payload["classification"] == "interested" and logged.payload["draft"] == str(sent_draft.pk)
    assert Enrollment.objects.get(lead=sent_draft.lead).stop_reason == "replied (interested)"


def test_a_retried_delivery_of_the_same_reply_is_stored_once(sent_draft):
    payload = _reply(sent_draft, "Sounds good.")
    _post(payload)
    assert _post(payload).json()["status"] == "duplicate"
    assert sent_draft.lead.activities.filter(type=ActivityLog.Type.REPLY_RECEIVED).count() == 1


def test_without_threading_headers_the_sender_address_matches(sent_draft):
    response = _post(_reply(sent_draft, "Not right now, maybe next quarter.", in_reply_to=""))
    assert response.json()["matched_by"] == "sender" and response.json()["classification"] == "not_now"


def test_an_unknown_sender_is_accepted_but_unmatched(sent_draft):
    payload = _reply(sent_draft, "Hi", in_reply_to="")
    payload["from"] = "stranger@nowhere.org"
    response = _post(payload)
    assert response.status_code == 202 and response.json()["status"] == "unmatched"


def test_an_out_of_office_reply_keeps_the_sequence_running(sent_draft):
    _post(_reply(sent_draft, "I am out of the office until Monday with limited access to email."))
    assert Enrollment.objects.get(lead=sent_draft.lead).status == Enrollment.Status.ACTIVE


def test_an_unsubscribe_reply_suppresses_the_address(sent_draft):
    _post(_reply(sent_draft, "Please remove me from your list."))
    assert Suppression.objects.get(email=sent_draft.lead.email).reason == Suppression.Reason.OPTED_OUT
    assert Enrollment.objects.get(lead=sent_draft.lead).status == Enrollment.Status.STOPPED


def test_a_hard_bounce_suppresses_the_address_it_names(sent_draft):
    bounce = {"from": "MAILER-DAEMON@mx.acme.com", "subject": "Undelivered Mail Returned to Sender",
              "text": f"550 5.1.1 <{sent_draft.lead.email}>: Recipient address rejected: User unknown\n\n"
                      f"Message-ID: {sent_draft.message_id}", "message_id": "<bounce-1@mx.acme.com>"}
    assert _post(bounce).json()["classification"] == "bounce"
    assert Suppression.objects.get(email=sent_draft.lead.email).reason == Suppression.Reason.BOUNCED
    assert sent_draft.lead.activities.filter(type=ActivityLog.Type.BOUNCED).exists()
    assert Enrollment.objects.get(lead=sent_draft.lead).status == Enrollment.Status.STOPPED


def test_a_soft_bounce_is_logged_without_suppressing(sent_draft):
    soft = {"from": "postmaster@mx.acme.com", "subject": "Delivery Status Notification (Delay)",
            "text": f"Mailbox full, will retry. Original: {sent_draft.message_id}", "message_id": "<soft@mx>"}
    _post(soft)
    assert not Suppression.objects.exists()
    assert sent_draft.lead.activities.get(type=ActivityLog.Type.BOUNCED).payload["hard"] is False


@pytest.mark.parametrize(("text", "expected"), [
    ("Yes, interested. Can you send more details?", "interested"),
    ("Not a priority this year, circle back in Q3.", "not_now"),
    ("Please stop emailing me.", "unsubscribe"),
    ("Bitte keine E-Mails mehr.", "unsubscribe"),
    ("Ne me contactez plus, merci.", "unsubscribe"),
    ("No me escriban más, gracias.", "unsubscribe"),
    ("Automatic reply: I am on vacation until 3 March.", "out_of_office"),
    ("I'm not the right person, you should talk to Priya in ops.", "wrong_person"),
    ("Who gave you my address?", "other"),
])
def test_replies_are_classified_by_rules(text, expected):
    assert replies.classify(text) == expected


def test_a_quoted_footer_does_not_make_a_reply_an_unsubscribe():
    text = "Sounds great, Tuesday works.\n\nOn Mon, 2 Mar 2026 Sam wrote:\n> Unsubscribe with one click: https://x"
    assert replies.classify(text) == "interested"


def test_a_person_can_log_a_reply_that_arrived_another_way(sent_draft, rep):
    assert replies.log_reply(sent_draft.lead, rep, "Called back: wants a demo next week") == "interested"
    logged = sent_draft.lead.activities.get(type=ActivityLog.Type.REPLY_RECEIVED)
    assert logged.actor == rep and logged.payload["logged_by_hand"] is True
    assert Enrollment.objects.get(lead=sent_draft.lead).status == Enrollment.Status.STOPPED


def test_a_reply_logged_by_hand_announces_that_leads_changed(sent_draft, rep, announcements,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        replies.log_reply(sent_draft.lead, rep, "Called back: wants a demo next week")
    assert len(announcements) == 1
