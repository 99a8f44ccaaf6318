"""The lead page's "Write a new email" after a draft was rejected or cancelled."""

import pytest
from django.urls import reverse

from leads.models import Lead
from outreach import approval
from outreach.models import EmailDraft

pytestmark = pytest.mark.django_db


def test_a_rejected_draft_offers_a_new_email_and_writing_one_puts_it_up_for_review(
    rep_client, rep, draft_factory, htmx_headers
):
    draft = draft_factory()
    approval.reject(draft, rep, "Wrong tone")
    page = rep_client.get(draft.lead.get_absolute_url()).content.decode()
    assert "Write a new email" in page and "Wrong tone" in page
    response = rep_client.post(reverse("outreach:redraft", args=[draft.lead_id]), {"template": "first_touch"},
                               **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "A new first touch email is ready for review." in html and 'name="subject"' in html
    assert draft.lead.drafts.filter(state=EmailDraft.State.DRAFT).count() == 1


def test_a_closed_lead_offers_no_new_email_and_a_forged_request_says_why(rep_client, draft_factory, htmx_headers):
    draft = draft_factory(state=EmailDraft.State.CANCELLED)
    Lead.objects.filter(pk=draft.lead_id).update(status=Lead.Status.MEETING_BOOKED)
    assert "Write a new email" not in rep_client.get(draft.lead.get_absolute_url()).content.decode()
    response = rep_client.post(reverse("outreach:redraft", args=[draft.lead_id]), {}, **htmx_headers)
    assert response.status_code == 422
    assert "meeting booked, so no new email is written" in response.content.decode()


def test_without_javascript_the_new_email_redirects_to_the_lead(rep_client, draft_factory):
    draft = draft_factory(state=EmailDraft.State.REJECTED)
    response = rep_client.post(reverse("outreach:redraft", args=[draft.lead_id]), {"template": "first_touch"})
    assert response.status_code == 302 and response["Location"] == draft.lead.get_absolute_url()


def test_an_outsider_cannot_write_an_email(outsider_client, draft_factory):
    draft = draft_factory(state=EmailDraft.State.REJECTED)
    assert outsider_client.post(reverse("outreach:redraft", args=[draft.lead_id])).status_code == 403
