from django.test import Client
from django.urls import reverse

from leads.models import ActivityLog
from outreach import sequences
from outreach.models import EmailDraft, Enrollment, Suppression
from outreach.unsubscribe import make_token


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


def test_a_tampered_token_is_rejected(db):
    token = make_token("dana@acme.com")
    forged = token.replace(token.split(":")[0], make_token("boss@acme.com").split(":")[0])
    for response in (Client().get(reverse("outreach:unsubscribe", args=[forged])),
                     Client().post(reverse("outreach:unsubscribe", args=[forged]))):
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert not Suppression.objects.exists()
