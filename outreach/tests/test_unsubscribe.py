import base64

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from leads.models import ActivityLog
from outreach import sequences
from outreach.models import EmailDraft, Enrollment, Suppression
from outreach.unsubscribe import PREFIX, make_token, read_token


def _url(email: str) -> str:
    return reverse("outreach:unsubscribe", args=[make_token(email)])


def test_the_link_shows_a_confirm_button_without_login_and_does_not_unsubscribe_yet(db):
    response = Client().get(_url("dana@acme.com"))
    assert response.status_code == 200
    assert b"dana@acme.com" in response.content and b'<form method="post"' in response.content
    assert not Suppression.objects.exists()


def test_confirming_suppresses_the_address_stops_the_sequence_and_cancels_drafts(draft_factory):
    draft = draft_factory()
    lead = draft.lead
    sequences.enroll(lead, draft.created_at)
    response = Client(enforce_csrf_checks=True).post(_url(lead.email.upper()))
    assert response.status_code == 200 and b"You are unsubscribed" in response.content
    row = Suppression.objects.get(email=lead.email)
    assert (row.reason, row.source) == (Suppression.Reason.UNSUBSCRIBED, "unsubscribe link")
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.CANCELLED
    assert Enrollment.objects.get(lead=lead).status == Enrollment.Status.STOPPED
    assert lead.activities.filter(type=ActivityLog.Type.UNSUBSCRIBED).count() == 1


def test_the_rfc_8058_one_click_post_works_and_a_repeat_is_harmless(db):
    client = Client(enforce_csrf_checks=True)
    for _ in range(2):
        response = client.post(_url("ops@globex.io"), {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    assert Suppression.objects.get(email="ops@globex.io").source == "one-click unsubscribe (RFC 8058)"


def _altered(token: str, position: int) -> str:
    swapped = "A" if token[position] != "A" else "B"
    return token[:position] + swapped + token[position + 1:]


@pytest.mark.parametrize("position", [4, 10, 20, -1])
def test_an_altered_token_is_rejected(db, position):
    forged = _altered(make_token("dana@acme.com"), position)
    for response in (Client().get(reverse("outreach:unsubscribe", args=[forged])),
                     Client().post(reverse("outreach:unsubscribe", args=[forged]))):
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("token", ["u1.", "u1.AAAA", "u1.!!!", "nonsense", "u1." + "A" * 400, "x:y"])
def test_a_made_up_token_is_rejected(db, token):
    assert Client().post(reverse("outreach:unsubscribe", args=[token])).status_code == 400


@pytest.mark.parametrize("email", ["dana@acme.com", "Ops.Team+news@globex.io", "zoë@café.example"])
def test_the_token_does_not_carry_the_address_readably_and_is_the_same_in_every_email(email):
    token = make_token(email)
    assert token == make_token(email.upper()) and token != make_token("other@acme.com")
    for start in range(4):
        piece = token.removeprefix(PREFIX)[start:]
        decoded = base64.urlsafe_b64decode(piece[: len(piece) - len(piece) % 4])
        assert email.lower().encode() not in decoded.lower() and b"acme" not in decoded.lower()
    assert read_token(token) == email.lower()


def test_a_link_from_an_email_sent_before_opaque_tokens_still_unsubscribes(db):
    old_token = signing.Signer(salt="outreach.unsubscribe").sign_object({"e": "dana@acme.com"}, compress=True)
    response = Client().post(reverse("outreach:unsubscribe", args=[old_token]))
    assert response.status_code == 200
    assert Suppression.objects.filter(email="dana@acme.com").exists()


def test_links_keep_working_after_the_secret_key_is_rotated(db, settings):
    token = make_token("dana@acme.com")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 20
    assert read_token(token) == "dana@acme.com"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(signing.BadSignature):
        read_token(token)


def test_mail_providers_one_click_posts_are_never_refused_by_the_rate_limit(db):
    # One provider's servers post for every recipient who clicks Unsubscribe in its mail app.
    client = Client(enforce_csrf_checks=True)
    statuses = {client.post(_url(f"reader{number}@acme.com"), {"List-Unsubscribe": "One-Click"}).status_code
                for number in range(70)}
    assert statuses == {200}
    assert Suppression.objects.count() == 70


@time_machine.travel("2026-01-05 10:00:00", tick=False)  # one rate-limit window
def test_guessing_tokens_is_rate_limited(db):
    statuses = [Client().get(reverse("outreach:unsubscribe", args=[f"u1.guess{number}"])).status_code
                for number in range(61)]
    assert statuses[:60] == [400] * 60 and statuses[60] == 429


def test_an_opt_out_is_recorded_while_redis_is_down(settings, stoppable_redis, draft_factory):
    settings.CACHES = stoppable_redis.caches()
    lead = draft_factory().lead
    stoppable_redis.stop()

    assert Client().get(_url(lead.email)).status_code == 200
    assert Client().post(_url(lead.email)).status_code == 200
    assert Client().post(_url("ops@globex.io"), {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert set(Suppression.objects.values_list("email", flat=True)) == {lead.email.lower(), "ops@globex.io"}
    assert lead.activities.filter(type=ActivityLog.Type.UNSUBSCRIBED).count() == 1


def test_an_opt_out_is_recorded_when_the_cache_itself_fails(settings, db):
    # Django's own Redis cache on a port nobody listens on raises on every call.
    settings.CACHES = {alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": "redis://127.0.0.1:1/0"} for alias in settings.CACHES}
    assert Client().get(_url("dana@acme.com")).status_code == 200
    assert Client().post(_url("dana@acme.com"), {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Suppression.objects.filter(email="dana@acme.com").exists()
