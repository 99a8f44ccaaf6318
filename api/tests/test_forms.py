"""`POST /api/forms/<key>`: website forms post leads from browsers, within their key's origins and limits."""

import pytest
from django.test import Client

from leads.models import FormKey, Lead

pytestmark = pytest.mark.django_db
SITE = "https://www.acme-industries.com"


@pytest.fixture
def form_key() -> FormKey:
    return FormKey.objects.create(name="Demo request", allowed_origins=[SITE], rate_limit="3/m",
                                  consent_text="I agree that Acme may contact me.",
                                  thanks_url=f"{SITE}/thanks")


def _post(client: Client, key: FormKey, data: dict, origin: str = SITE, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(f"/api/forms/{key.key}", data=data, HTTP_ORIGIN=origin, **headers)


def test_a_plain_html_form_creates_a_lead_with_its_consent_and_goes_to_the_thanks_page(client, form_key):
    response = _post(client, form_key, {"email": "ada@acme.com", "first_name": "Ada", "consent": "on",
                                        "leadops_hp": ""})
    assert response.status_code == 303
    assert response["Location"] == f"{SITE}/thanks"
    lead = Lead.objects.get()
    assert lead.email == "ada@acme.com"
    assert lead.attributes["consent_text"] == "I agree that Acme may contact me."
    assert lead.attributes["consent_given_at"]
    assert lead.attributes["form"] == "Demo request"


def test_a_fetch_from_an_allowed_origin_gets_json_and_cors_headers(client, form_key):
    preflight = client.options(f"/api/forms/{form_key.key}", HTTP_ORIGIN=SITE,
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight["Access-Control-Allow-Origin"] == SITE
    response = _post(client, form_key, {"email": "ada@acme.com", "consent": "true"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == SITE
    assert response.json()["created"] is True


def test_another_origin_is_refused_and_gets_no_cors_headers(client, form_key):
    preflight = client.options(f"/api/forms/{form_key.key}", HTTP_ORIGIN="https://evil.example",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in preflight
    response = _post(client, form_key, {"email": "ada@acme.com", "consent": "on"}, origin="https://evil.example")
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_a_filled_honeypot_is_thanked_and_nothing_is_stored(client, form_key):
    response = _post(client, form_key, {"email": "bot@spam.example", "consent": "on", "leadops_hp": "http://x"})
    assert response.status_code == 303
    assert not Lead.objects.exists()


def test_without_consent_the_form_is_refused_naming_the_checkbox(client, form_key):
    response = _post(client, form_key, {"email": "ada@acme.com"})
    assert response.status_code == 422
    assert "consent" in response.json()["errors"]
    assert not Lead.objects.exists()


def test_each_visitor_address_is_limited(client, form_key):
    statuses = [_post(client, form_key, {"email": f"p{n}@acme.com", "consent": "on"}).status_code for n in range(4)]
    assert statuses == [303, 303, 303, 429]


def test_an_unknown_key_answers_404(client):
    assert client.post("/api/forms/pk_nope", data={"email": "a@b.com"}).status_code == 404
