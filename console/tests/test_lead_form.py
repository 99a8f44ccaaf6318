"""The new-lead page: a person types a lead in; it goes through intake like every other door."""

import pytest

from conftest import LeadFactory
from leads.models import ActivityLog, Lead

pytestmark = pytest.mark.django_db

URL = "/leads/new/"


def _valid(**changes: str) -> dict[str, str]:
    data = {
        "first_name": "Zoë", "last_name": "Müller", "email": "Zoe.Mueller@Alpenglanz.ch",
        "company_name": "Alpenglanz Uhren AG", "website": "alpenglanz.ch", "job_title": "Head of Sales Operations",
        "industry": "Manufacturing", "company_size": "201-500", "country": "Switzerland", "source": "event",
        "budget_range": "CHF 40k", "urgency": "medium", "pain_point": "Dealer enquiries get lost",
        "lead_message": "Interested in how the scoring explains itself.",
    }
    return {**data, **changes}


def test_the_page_shows_an_empty_lead_form(rep_client):
    response = rep_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form id="lead-form"' in page and 'action="/leads/new/"' in page
    assert 'name="email"' in page and 'name="lead_message"' in page
    assert "<html" in page


def test_it_creates_the_lead_through_intake_and_opens_its_page(rep_client, rep):
    response = rep_client.post(URL, _valid())
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.id}/"
    assert lead.email == "zoe.mueller@alpenglanz.ch"
    assert lead.country == "CH"
    assert lead.source == Lead.Source.EVENT
    assert lead.budget_amount == 40000
    assert lead.company.domain == "alpenglanz.ch"
    ingested = lead.activities.get(type=ActivityLog.Type.INGESTED)
    assert ingested.actor == rep


def test_it_shows_intake_errors_inline_next_to_their_fields(rep_client):
    response = rep_client.post(URL, _valid(email="zoe@@alpenglanz", country="Atlantis", website="not a site"))
    assert response.status_code == 200
    assert Lead.objects.count() == 0
    errors = response.context["form"].errors
    assert errors["email"][0].startswith("'zoe@@alpenglanz' is not a valid email address")
    assert errors["country"] == ["'Atlantis' is not a country we recognise; use a name or an ISO code such as DE or US"]
    assert "website" in errors
    page = response.content.decode()
    assert "&#x27;Atlantis&#x27; is not a country we recognise" in page
    assert 'value="Zoë"' in page  # what the user typed is kept


def test_an_empty_form_says_what_a_lead_needs_at_least(rep_client):
    response = rep_client.post(URL, {"source": "referral"})
    assert response.status_code == 200
    # The form has no id field, so its error does not ask for one.
    assert response.context["form"].non_field_errors() == ["Give at least an email, a name or a company name."]
    assert Lead.objects.count() == 0


def test_a_known_email_links_to_the_existing_lead_and_changes_nothing(rep_client):
    existing = LeadFactory(email="zoe.mueller@alpenglanz.ch", job_title="Sales")
    response = rep_client.post(URL, _valid(email="ZOE.MUELLER@alpenglanz.ch"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A lead with the email zoe.mueller@alpenglanz.ch already exists" in page
    assert f'href="/leads/{existing.id}/"' in page
    assert Lead.objects.count() == 1
    existing.refresh_from_db()
    assert existing.job_title == "Sales"


def test_the_page_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_cannot_add_leads(outsider_client):
    assert outsider_client.get(URL).status_code == 403
    assert outsider_client.post(URL, _valid()).status_code == 403
    assert Lead.objects.count() == 0


def test_an_htmx_submit_with_errors_gets_only_the_form_back(rep_client, htmx_headers):
    response = rep_client.post(URL, _valid(email="nope"), **htmx_headers)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<form id="lead-form"')
    assert "<html" not in page
    assert "is not a valid email address" in page


def test_an_htmx_submit_that_creates_sends_the_browser_to_the_lead(rep_client, htmx_headers):
    response = rep_client.post(URL, _valid(), **htmx_headers)
    lead = Lead.objects.get()
    assert response["HX-Redirect"] == f"/leads/{lead.id}/"


def test_a_country_can_be_typed_as_a_full_name(rep_client):
    page = rep_client.get(URL).content.decode()
    country_input = next(line for line in page.splitlines() if 'name="country"' in line)
    assert "maxlength" not in country_input
    rep_client.post(URL, _valid(country="United Kingdom"))
    assert Lead.objects.get().country == "GB"


def test_other_methods_are_not_allowed(rep_client):
    assert rep_client.put(URL).status_code == 405
