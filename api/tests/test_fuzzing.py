"""Both JSON doors under generated hostile input: every body gets a JSON answer, 2xx or 4xx, never a server error.

Bodies are lead-shaped (the doors' own keys, unknown keys, wrong types, NUL and other control characters,
escaped lone surrogates, nesting from shallow to far past what the JSON parser can follow) or plain bytes.
Hypothesis runs a fixed, derandomised sequence of EXAMPLES cases per door, so a failure repeats on every run.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.inbound_email import sign
from conftest import LeadFactory
from leads.lead_input import LeadInput
from leads.models import ApiToken, Lead

pytestmark = pytest.mark.django_db

# Cases per door: together they keep this module under about 30 seconds on one core of the CI machine.
EXAMPLES = 400
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
INBOUND_EMAIL_SECRET = "fuzzing-secret"

# Text with what breaks naive code: NUL and other controls, quotes, non-BMP characters, the doors' own values.
awkward_text = st.one_of(
    st.text(max_size=40),
    st.text(st.sampled_from("\x00\x01\x1f\x7f\r\n\t \"'\\<>{}[],;@.é€😀\u2028\ufeff"), max_size=20),
    st.sampled_from(["", " ", "a@b", "ada@acme.com", "ADA@ACME.COM", "n/a", "250", "1000+", "Germany", "ASAP",
                     "$50k", "referral", "closed_won", "https://acme.com", "x" * 300]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | awkward_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(awkward_text, children, max_size=4),
    max_leaves=12,
)


def _nested(depth: int, innermost: str = "1") -> str:
    return "[" * depth + innermost + "]" * depth


def _bodies(keys: list[str], shaped: st.SearchStrategy[dict]) -> st.SearchStrategy[bytes]:
    """Request bodies for a door whose JSON object has these keys; `shaped` objects get past its first checks."""
    objects = st.dictionaries(st.sampled_from(keys) | awkward_text, json_values, max_size=8)
    # A JSON text escaping half of a UTF-16 pair decodes to a lone surrogate.
    surrogates = st.builds(lambda key, value: f'{{"{key}": "{value}"}}'.encode(), st.sampled_from(keys),
                           st.sampled_from(["\\ud800", "\\udfff", "x\\udc00y", "\\ud83d"]))
    deep = st.builds(lambda key, depth: f'{{"{key}": {_nested(depth)}}}'.encode(), st.sampled_from(keys),
                     st.integers(min_value=2, max_value=60_000))
    as_ascii_or_utf8 = st.booleans()
    # Half the cases are shaped like the door's input, to reach its dedupe, matching and the database.
    return st.one_of(
        st.builds(lambda body, ascii: json.dumps(body, ensure_ascii=ascii).encode(), shaped, as_ascii_or_utf8),
        st.one_of(
            objects.map(lambda body: json.dumps(body).encode()),
            json_values.map(lambda body: json.dumps(body).encode()),
            surrogates, deep, st.integers(min_value=2, max_value=60_000).map(lambda depth: _nested(depth).encode()),
            st.binary(max_size=200),
        ),
    )


def _assert_json_answer_without_server_error(response) -> None:  # type: ignore[no-untyped-def]
    assert 200 <= response.status_code < 500, response.content[:500]
    assert response["Content-Type"] == "application/json"
    json.loads(response.content)


LEAD_KEYS = [*LeadInput.model_fields, "attributes", "source", "outcome", "given_source", "utm_campaign"]
KNOWN_ADDRESSES = ["ada@acme.com", "kim@northwindfreight.com", "jo@bücher.de", "x@mailinator.com"]
ADDRESSES = st.sampled_from(KNOWN_ADDRESSES)
# Values a lead field accepts, so that these cases get past validation to dedupe, companies and the database.
FIELD_VALUES = {
    "country": st.sampled_from(["DE", "Germany", "united kingdom", "n/a"]),
    "urgency": st.sampled_from(["high", "ASAP", "this quarter", ""]),
    "company_size": st.sampled_from(["8", "250", "200-500", "1000+"]),
    "website": st.sampled_from(["acme.com", "https://www.acme.com/about", "bücher.de", ""]),
    "budget_amount": st.none() | st.integers(min_value=0, max_value=2_000_000_000),
    "attributes": st.dictionaries(awkward_text, awkward_text | json_values, max_size=4),
    "external_id": st.sampled_from(["", "crm-1", "crm-2", "crm-3"]),  # the stored leads' ids, and a new one
}
# Leads whose every value a field could take (any text, NUL and controls included), and leads with wrong ones.
LEADS = st.fixed_dictionaries(
    {"email": ADDRESSES},
    optional={key: FIELD_VALUES.get(key, st.text(max_size=30)) for key in LEAD_KEYS if key != "email"},
) | st.fixed_dictionaries(
    {"email": ADDRESSES | st.emails() | awkward_text},
    optional={key: awkward_text | json_values for key in LEAD_KEYS if key != "email"},
)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each case meets the stored leads as the fixture left them, so a failing case fails again when replayed."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def token(settings) -> str:  # type: ignore[no-untyped-def]
    settings.API_RATE_LIMIT = "1000000/m"
    _, plain = ApiToken.issue("Fuzzer", source=Lead.Source.WEB_FORM)
    # Stored leads for the cases to be duplicates of, by email or by id, and both at once.
    LeadFactory(email=KNOWN_ADDRESSES[0], external_id="crm-1")
    LeadFactory(email=KNOWN_ADDRESSES[1], external_id="")
    LeadFactory(email=KNOWN_ADDRESSES[2], external_id="")
    LeadFactory(email="", external_id="crm-2")
    return plain


@FUZZ
@given(body=_bodies(LEAD_KEYS, LEADS))
def test_the_intake_api_answers_every_generated_body_with_json_and_no_server_error(client, token, body):
    with rolled_back():
        response = client.post("/api/leads", data=body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {token}")
    _assert_json_answer_without_server_error(response)


HOOK_KEYS = ["from", "to", "subject", "text", "message_id", "in_reply_to", "headers"]
MESSAGES = st.fixed_dictionaries(
    {"from": ADDRESSES | awkward_text},
    optional={"to": awkward_text, "subject": awkward_text, "text": awkward_text, "message_id": awkward_text,
              "in_reply_to": awkward_text, "headers": st.dictionaries(awkward_text, awkward_text | json_values)},
)


def signed(body: bytes) -> dict[str, str]:
    """The hook's authentication for a body, as Client.post keyword arguments (its one home in this module)."""
    timestamp = int(time.time())
    return {"HTTP_X_LEADOPS_TIMESTAMP": str(timestamp),
            "HTTP_X_LEADOPS_SIGNATURE": sign(INBOUND_EMAIL_SECRET, timestamp, body)}


@pytest.fixture
def hook_client(settings) -> Client:  # type: ignore[no-untyped-def]
    settings.INBOUND_EMAIL_SECRET = INBOUND_EMAIL_SECRET
    # Messages from these addresses are replies of known leads: matched, classified and put on their timeline.
    for address in KNOWN_ADDRESSES:
        LeadFactory(email=address)
    return Client()


@FUZZ
@given(body=_bodies(HOOK_KEYS, MESSAGES))
def test_the_reply_hook_answers_every_generated_signed_body_with_json_and_no_server_error(hook_client, body):
    with rolled_back():
        response = hook_client.post("/hooks/inbound-email", data=body, content_type="application/json",
                                    **signed(body))
    _assert_json_answer_without_server_error(response)
