"""The integration pages: API tokens, webhooks with their delivery log, website form keys (managers only)."""

import pytest
from django.utils import timezone

from leads.models import ApiToken, FormKey
from webhooks.delivery import GIVE_UP_AFTER
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db
PAGES = ("/settings/api-tokens/", "/settings/webhooks/", "/settings/forms/")


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_need_a_manager(page, client, rep_client, manager_client):
    assert client.get(page).status_code == 302
    assert rep_client.get(page).status_code == 403
    assert manager_client.get(page).status_code == 200


def test_a_manager_creates_a_token_for_a_rep_shown_once_and_stored_hashed(manager_client, rep):
    page = manager_client.post("/settings/api-tokens/", {"name": "HubSpot sync", "owner": rep.pk,
                                                         "scopes": ["read", "write"]})
    row = ApiToken.objects.get()
    plain = page.context["shown_once"]
    assert plain.startswith("lo_") and plain in page.content.decode()
    assert row.token_hash == ApiToken.hash(plain) and plain not in row.token_hash
    assert (row.owner, row.scopes) == (rep, ["read", "write"])
    assert plain not in manager_client.get("/settings/api-tokens/").content.decode()


def test_a_revoked_token_stops_working(manager_client, rep, client):
    row, plain = ApiToken.issue("old", owner=rep, scopes=["read"])
    manager_client.post(f"/settings/api-tokens/{row.pk}/revoke/")
    assert client.get("/api/v1/leads", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401


def test_a_manager_registers_a_webhook_and_sees_its_secret_once(manager_client):
    page = manager_client.post("/settings/webhooks/", {"url": "https://hooks.example.com/leadops",
                                                       "events": ["lead.qualified", "email.sent"]})
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["lead.qualified", "email.sent"]
    assert endpoint.secret in page.content.decode()
    assert endpoint.secret not in manager_client.get("/settings/webhooks/").content.decode()


def test_send_again_puts_a_failed_delivery_back_with_the_same_event_id(manager_client, settings):
    endpoint = Endpoint.objects.create(url="http://127.0.0.1:9/", events=["lead.created"])
    now = timezone.now()
    row = Delivery.objects.create(endpoint=endpoint, event="lead.created", body={}, state=Delivery.State.FAILED,
                                  attempts=12, retry_until=now, last_error="ConnectError: refused")
    assert "ConnectError: refused" in manager_client.get("/settings/webhooks/").content.decode()
    manager_client.post(f"/settings/webhooks/deliveries/{row.pk}/send-again/")
    again = Delivery.objects.get(pk=row.pk)
    assert again.event_id == row.event_id
    assert again.retry_until >= now + GIVE_UP_AFTER - timezone.timedelta(seconds=5)


def test_a_form_key_comes_with_a_snippet_to_paste(manager_client):
    manager_client.post("/settings/forms/", {
        "name": "Demo request", "allowed_origins": "https://www.acme.com\nhttps://acme.com/", "rate_limit": "5/m",
        "consent_text": "I agree to be contacted.", "source": "web_form"})
    key = FormKey.objects.get()
    assert key.allowed_origins == ["https://www.acme.com", "https://acme.com"]
    page = manager_client.get("/settings/forms/").content.decode()
    assert f"/api/forms/{key.key}" in page and "leadops_hp" in page and "I agree to be contacted." in page


def test_a_bad_origin_is_refused_naming_it(manager_client):
    page = manager_client.post("/settings/forms/", {"name": "x", "allowed_origins": "www.acme.com/contact",
                                                    "rate_limit": "5/m", "consent_text": "ok", "source": "web_form"})
    assert "www.acme.com/contact" in page.content.decode()
    assert not FormKey.objects.exists()
