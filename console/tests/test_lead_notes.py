"""The lead page's "Add a note": what a rep learned on a call goes on the lead's timeline."""

import pytest

from conftest import LeadFactory
from leads.models import ActivityLog, Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead() -> Lead:
    return LeadFactory(first_name="Dana", last_name="Whitfield", email="dana@globex-logistics.com")


def test_a_note_goes_on_the_timeline_at_once_in_full(rep_client, rep, lead, htmx_headers):
    text = "Called Dana: budget is approved for Q3.\nWants a demo with their CTO. " + "More detail. " * 30

    response = rep_client.post(f"/leads/{lead.pk}/note/", {"text": text}, **htmx_headers)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="card" id="note-form">') and "Note added." in html
    assert '<section class="card" id="timeline" hx-swap-oob="true"' in html
    assert 'id="draft-editor"' not in html  # a draft being typed is not swapped away
    assert text.strip() in html  # not cut short like other timeline values
    note = ActivityLog.objects.get(lead=lead, type=ActivityLog.Type.NOTE)
    assert note.actor == rep and note.payload == {"text": text.strip()}


def test_without_javascript_a_note_redirects_back_to_the_lead_showing_it(rep_client, lead):
    response = rep_client.post(f"/leads/{lead.pk}/note/", {"text": "Left a voicemail."}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    assert "Note added." in html and "Left a voicemail." in html


def test_without_javascript_a_refused_note_comes_back_on_the_page_with_its_text(rep_client, lead):
    response = rep_client.post(f"/leads/{lead.pk}/note/", {"text": "Long call notes " + "x" * 5_000})

    html = response.content.decode()
    assert response.status_code == 422 and "<html" in html
    assert "A note holds up to 5,000 characters" in html and "Long call notes " + "x" * 5_000 in html


def test_an_empty_note_is_refused_with_the_reason(rep_client, lead, htmx_headers):
    response = rep_client.post(f"/leads/{lead.pk}/note/", {"text": "   "}, **htmx_headers)

    assert response.status_code == 422
    assert "Write the note first: it is empty." in response.content.decode()
    assert not ActivityLog.objects.filter(lead=lead, type=ActivityLog.Type.NOTE).exists()


def test_a_note_over_five_thousand_characters_is_refused_and_kept_for_shortening(rep_client, lead, htmx_headers):
    response = rep_client.post(f"/leads/{lead.pk}/note/", {"text": "x" * 5_001}, **htmx_headers)

    assert response.status_code == 422
    html = response.content.decode()
    assert "A note holds up to 5,000 characters; this one has 5001." in html and "x" * 5_001 in html


def test_adding_a_note_needs_login_and_a_role(client, outsider_client, lead):
    assert "/accounts/login/" in client.post(f"/leads/{lead.pk}/note/", {"text": "hi"})["Location"]
    assert outsider_client.post(f"/leads/{lead.pk}/note/", {"text": "hi"}).status_code == 403
    assert not ActivityLog.objects.filter(lead=lead, type=ActivityLog.Type.NOTE).exists()
