"""`POST /api/leads`: the JSON door for web forms, with bearer tokens, dedupe, errors and limits."""

import json

import pytest
from django.test import Client

from api.leads import MAX_BODY_BYTES, MAX_NESTING
from leads.models import ActivityLog, ApiToken, Lead

pytestmark = pytest.mark.django_db

URL = "/api/leads"


@pytest.fixture
def token() -> str:
    _, plain = ApiToken.issue("Website contact form", source=Lead.Source.WEB_FORM)
    return plain


def _post(client: Client, body: object, token: str | None = None, raw: bytes | None = None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_it_creates_a_lead_and_answers_201_with_its_id(client, token):
    response = _post(client, {
        "email": "Ada.Lovelace@Analytical-Engines.co.uk", "first_name": "Ada", "last_name": "Lovelace",
        "company_name": "Analytical Engines", "company_size": 250, "country": "United Kingdom",
        "lead_message": "We would like a demo this quarter.", "utm_campaign": "spring-webinar",
    }, token)
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert response.json() == {"id": str(lead.id), "created": True}
    assert lead.email == "ada.lovelace@analytical-engines.co.uk"
    assert (lead.company_size, lead.country) == ("201-500", "GB")
    assert lead.source == Lead.Source.WEB_FORM
    assert lead.attributes == {"utm_campaign": "spring-webinar"}
    assert lead.activities.get().type == ActivityLog.Type.INGESTED
    assert lead.activities.get().actor_label == "api"


def test_the_lead_source_comes_from_the_token_not_the_payload(client):
    _, partner_token = ApiToken.issue("Partner portal", source=Lead.Source.PARTNER)
    response = _post(client, {"email": "kim@northwindfreight.com", "source": "referral"}, partner_token)
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.source == Lead.Source.PARTNER
    assert lead.attributes == {"given_source": "referral"}


def test_posting_a_known_email_again_answers_200_with_the_same_id_and_no_copy(client, token):
    first = _post(client, {"email": "kim@northwindfreight.com", "first_name": "Kim"}, token)
    again = _post(client, {"email": "KIM@northwindfreight.com", "job_title": "VP Operations"}, token)
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "created": False}
    lead = Lead.objects.get()
    assert (lead.first_name, lead.job_title) == ("Kim", "VP Operations")  # empty fields filled, nothing lost
    update = lead.activities.get(type=ActivityLog.Type.UPDATED)
    assert update.payload["changes"]["job_title"] == ["", "VP Operations"]


def test_bad_fields_answer_400_naming_each_field_and_value(client, token):
    response = _post(client, {"email": "kim@@northwind", "urgency": "whenever", "country": "Atlantis"}, token)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["email"][0].startswith("'kim@@northwind' is not a valid email address")
    assert errors["urgency"] == ["'whenever' is not an urgency; use low, medium or high"]
    assert errors["country"][0].startswith("'Atlantis' is not a country")
    assert Lead.objects.count() == 0


def test_an_empty_object_answers_400_saying_what_a_lead_needs(client, token):
    response = _post(client, {}, token)
    assert response.status_code == 400
    assert response.json()["errors"] == {"lead": ["A lead needs at least an email, an id, a name or a company name"]}


@pytest.mark.parametrize("raw, message", [
    (b"{not json", "The body is not valid JSON"),
    (b"[1, 2]", "The body must be a JSON object"),
    (b"", "The body must be a JSON object"),
])
def test_a_body_that_is_not_a_json_object_answers_400(client, token, raw, message):
    response = _post(client, None, token, raw=raw)
    assert response.status_code == 400
    assert response.json()["errors"]["body"][0].startswith(message)


@pytest.mark.parametrize("authorization", [None, "Bearer lo_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer "])
def test_it_answers_401_without_a_valid_token(client, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.post(URL, data=json.dumps({"email": "kim@northwindfreight.com"}),
                           content_type="application/json", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["errors"]
    assert Lead.objects.count() == 0


def test_a_deactivated_token_is_refused(client):
    row, plain = ApiToken.issue("Old landing page")
    row.is_active = False
    row.save()
    assert _post(client, {"email": "kim@northwindfreight.com"}, plain).status_code == 401


def test_only_the_hash_of_a_token_is_stored_and_its_use_is_recorded(client, token):
    row = ApiToken.objects.get()
    assert token not in (row.token_hash, row.prefix) and row.token_hash == ApiToken.hash(token)
    _post(client, {"email": "kim@northwindfreight.com"}, token)
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_huge_body_answers_413_and_creates_nothing(client, token):
    response = _post(client, {"email": "kim@northwindfreight.com", "lead_message": "x" * (MAX_BODY_BYTES + 1)}, token)
    assert response.status_code == 413
    assert Lead.objects.count() == 0


def test_it_answers_429_past_the_rate_limit_counted_per_token(client, token, settings):
    settings.API_RATE_LIMIT = "3/m"
    statuses = [_post(client, {"email": f"lead{n}@northwindfreight.com"}, token).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert _post(client, {"email": "late@northwindfreight.com"}, token).json()["error"] == "rate_limited"
    _, other_token = ApiToken.issue("Another form")
    assert _post(client, {"email": "other@northwindfreight.com"}, other_token).status_code == 201


def test_guessing_tokens_is_rate_limited_per_client_address(client, token, settings):
    settings.API_RATE_LIMIT = "3/m"
    statuses = [_post(client, {"email": "kim@northwindfreight.com"}, f"lo_guess{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert Lead.objects.count() == 0


def test_it_works_without_a_session_or_csrf_token(token):
    strict = Client(enforce_csrf_checks=True)
    assert _post(strict, {"email": "kim@northwindfreight.com"}, token).status_code == 201


def test_only_post_is_allowed(client, token):
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_a_nested_value_is_kept_as_json_text_not_python_text(client, token):
    response = _post(client, {"email": "kim@northwindfreight.com", "utm": {"deep": [1, 2]}, "consent": True,
                              "tags": ["demo", "é"]}, token)

    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.attributes == {"utm": '{"deep": [1, 2]}', "consent": "true", "tags": '["demo", "é"]'}
    assert json.loads(lead.attributes["utm"]) == {"deep": [1, 2]}


@pytest.mark.parametrize("attributes", [["a", "b"], "utm=spring", 7, True])
def test_attributes_that_are_not_an_object_answer_400_naming_them_alongside_unknown_keys(client, token, attributes):
    response = _post(client, {"email": "kim@northwindfreight.com", "attributes": attributes, "utm": "spring"}, token)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["attributes"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 200])
def test_values_nested_too_deep_answer_400_naming_the_field(client, token, depth):
    response = _post(client, None, token, raw=b'{"email": "kim@northwindfreight.com", "utm": '
                     + b"[" * depth + b"]" * depth + b"}")
    assert response.status_code == 400
    assert response.json() == {"errors": {"utm": [f"The value is nested more than {MAX_NESTING} levels deep."]}}
    assert not Lead.objects.exists()


def test_a_body_nested_deeper_than_the_parser_can_follow_answers_400(client, token):
    response = _post(client, None, token, raw=b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert response.json() == {"errors": {"body": [f"The body is nested more than {MAX_NESTING} levels deep."]}}


def test_nesting_up_to_the_limit_is_kept_as_json_text(client, token):
    deep = [[[[["as deep as a real form gets"]]]]]
    response = _post(client, {"email": "kim@northwindfreight.com", "utm": deep}, token)
    assert response.status_code == 201
    assert json.loads(Lead.objects.get().attributes["utm"]) == deep


@pytest.mark.parametrize("key", ["first_name", "utm", "attributes"])
def test_escaped_lone_surrogates_answer_400_naming_the_field(client, token, key):
    value = '{"x": "\\ud800"}' if key == "attributes" else '"Ada \\udc00"'
    raw = f'{{"email": "kim@northwindfreight.com", "{key}": {value}}}'.encode()
    response = _post(client, None, token, raw=raw)
    assert response.status_code == 400
    assert response.json()["errors"][key] == [
        "The value contains an escaped lone surrogate (such as \\ud800), which is not a Unicode character."]


def test_a_key_with_a_lone_surrogate_answers_400(client, token):
    response = _post(client, None, token, raw=b'{"email": "kim@northwindfreight.com", "utm\\ud800": "x"}')
    assert response.status_code == 400 and list(response.json()["errors"]) == ["body"]


def test_nul_characters_in_attribute_names_and_values_are_dropped(client, token):
    response = _post(client, {"email": "kim@northwindfreight.com", "ut\u0000m": "spr\u0000ing",
                              "attributes": {"ca\u0000mpaign": "q\u00003"}}, token)
    assert response.status_code == 201
    assert Lead.objects.get().attributes == {"utm": "spring", "campaign": "q3"}


def test_an_address_without_a_dotted_domain_answers_400(client, token):
    response = _post(client, {"email": "a@b", "first_name": "Ada"}, token)
    assert response.status_code == 400
    assert response.json()["errors"]["email"][0].startswith("'a@b' is not a valid email address")


def test_an_id_that_is_another_leads_answers_400_naming_it(client, token):
    _post(client, {"email": "ada@acme.com"}, token)
    _post(client, {"email": "bo@acme.com", "external_id": "crm-2"}, token)
    response = _post(client, {"email": "ada@acme.com", "external_id": "crm-2"}, token)
    assert response.status_code == 400
    assert response.json() == {"errors": {"external_id": [
        "'crm-2' is the id of another lead than the one with this email"]}}
