"""The lead page's "Erase personal data": a manager erases a person after confirming; nobody else can."""

import pytest
from django.test import Client

from conftest import LeadFactory
from leads.models import ActivityLog, Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead() -> Lead:
    lead = LeadFactory(first_name="Dana", last_name="Whitfield", email="dana@globex-logistics.com")
    ActivityLog.record(lead, ActivityLog.Type.NOTE, payload={"text": "Dana wants a call"})
    return lead


def test_a_manager_erases_a_person_after_confirming(manager_client, manager, lead):
    response = manager_client.post(f"/leads/{lead.pk}/erase/", {"confirm": "yes"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    assert "Personal data erased" in html
    assert "Dana" not in html and "dana@globex-logistics.com" not in html
    lead.refresh_from_db()
    assert lead.erased_at is not None
    assert ActivityLog.objects.get(lead=lead, type=ActivityLog.Type.ERASED).actor == manager
    assert f'action="/leads/{lead.pk}/erase/"' not in html  # nothing left to erase: no button


def test_without_the_confirmation_nothing_is_erased_and_the_page_says_why(manager_client, lead):
    response = manager_client.post(f"/leads/{lead.pk}/erase/", {}, follow=True)

    assert "tick the box to confirm" in response.content.decode()
    lead.refresh_from_db()
    assert lead.erased_at is None and lead.first_name == "Dana"


def test_the_lead_page_offers_erasure_to_managers_only(manager_client, rep_client, lead):
    button = f'action="/leads/{lead.pk}/erase/"'
    manager_page = manager_client.get(f"/leads/{lead.pk}/").content.decode()
    assert button in manager_page and 'name="confirm"' in manager_page and "cannot be undone" in manager_page
    assert button not in rep_client.get(f"/leads/{lead.pk}/").content.decode()


def test_a_rep_or_an_outsider_cannot_erase(rep_client, outsider_client, lead):
    assert rep_client.post(f"/leads/{lead.pk}/erase/", {"confirm": "yes"}).status_code == 403
    assert outsider_client.post(f"/leads/{lead.pk}/erase/", {"confirm": "yes"}).status_code == 403
    lead.refresh_from_db()
    assert lead.erased_at is None


def test_erasing_needs_login_and_a_post(lead, manager_client):
    anonymous = Client().post(f"/leads/{lead.pk}/erase/", {"confirm": "yes"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert manager_client.get(f"/leads/{lead.pk}/erase/").status_code == 405
    lead.refresh_from_db()
    assert lead.erased_at is None
