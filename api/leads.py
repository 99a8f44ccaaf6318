"""`POST /api/leads`: the JSON intake door for web forms and other systems.

    curl -X POST https://leads.example.com/api/leads \
         -H "Authorization: Bearer lo_..." -H "Content-Type: application/json" \
         -d '{"email": "ada@acme.com", "first_name": "Ada", "company_name": "Acme", "lead_message": "..."}'

Answers: 201 {"id", "created": true} for a new lead; 200 with the same id when the email (or id) is
already known — the web form can post twice safely; 400 {"errors": {field: [messages]}} for bad JSON,
bad fields, values nested more than MAX_NESTING levels deep or text that is not Unicode; 401 without a
valid bearer token; 413 for a body over MAX_BODY_BYTES; 429 past settings.API_RATE_LIMIT per token.
Validation, normalisation and dedupe are `leads.intake`'s.
Keys that are not lead fields (utm_campaign, ...) are kept in the lead's attributes.
"""

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited
from pydantic import ValidationError

from leads.intake import IntakeError, LeadInput, OnDuplicate, field_errors, ingest
from leads.models import ApiToken

# A lead's longest fields are 20,000 characters each; escaped JSON of a full lead stays well under this.
MAX_BODY_BYTES = 256 * 1024
# A lead is flat; an unknown key's nested value is kept as JSON text. Deeper than this is not lead data, and
# much deeper would exhaust the interpreter's stack in the JSON parser.
MAX_NESTING = 20
# The token decides these: a web form cannot declare itself a referral or record a won deal.
DOOR_KEYS = ("source", "outcome")


def create_from_payload(payload: Any, source: str) -> tuple[bool | None, dict[str, Any]]:
    """A decoded body through intake from `source`: (created, {"id", "created"}) or (None, errors).

    Both API versions and the browser forms call this, so a lead posted to any of them is validated,
    normalised and deduplicated alike.
    """
    if not isinstance(payload, dict):
        return None, {"body": ["The body must be a JSON object of lead fields, e.g. {\"email\": ...}."]}
    if problems := _body_problems(payload):
        return None, problems
    data = _lead_data(payload)
    try:
        lead_input = LeadInput.from_mapping(data)
    except ValidationError as error:
        found: dict[str, list[str]] = {}
        for problem in field_errors(error, data):
            found.setdefault(problem.field, []).append(problem.sentence())
        return None, found
    try:
        result = ingest(lead_input, source=source, actor_label="api", on_duplicate=OnDuplicate.FILL)
    except IntakeError as error:  # a conflict with the stored leads, e.g. an id that is another lead's
        return None, {problem.field: [problem.sentence()] for problem in error.errors}
    return result.created, {"id": str(result.lead.id), "created": result.created}


def _errors(errors: dict[str, list[str]], status: int) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status)


def _token(request: HttpRequest) -> ApiToken | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return ApiToken.authenticate(token.strip())


def _unstorable(value: Any) -> str | None:
    """Why a JSON value cannot be lead data, or None: nested too deep, or text no database can store.

    JSON may escape half of a UTF-16 pair ("\\ud800"); that decodes to a lone surrogate, which is not
    a Unicode character and cannot be encoded for PostgreSQL.
    """
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            try:
                item.encode()
            except UnicodeEncodeError:
                return "contains an escaped lone surrogate (such as \\ud800), which is not a Unicode character."
        elif isinstance(item, (dict, list)):
            if depth > MAX_NESTING:
                return f"is nested more than {MAX_NESTING} levels deep."
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return None


def _body_problems(payload: dict[str, Any]) -> dict[str, list[str]]:
    """The keys whose values cannot be lead data, each with why."""
    problems: dict[str, list[str]] = {}
    for key, value in payload.items():
        if reason := _unstorable(key):
            problems.setdefault("body", []).append(f"A key {reason}")
        elif reason := _unstorable(value):
            problems[key] = [f"The value {reason}"]
    return problems


def _lead_data(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as LeadInput data: door keys and unknown keys kept as attributes, numbers as text."""
    data: dict[str, Any] = {}
    for key, value in payload.items():
        if key in DOOR_KEYS:
            key = f"given_{key}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or key == "budget_amount":
            data[key] = value
        else:
            # JSON clients send head counts and phone numbers as numbers; the rules read text.
            data[key] = str(value)
    return data


@csrf_exempt  # bearer-token API: no cookies, so no CSRF
@login_not_required
@require_POST
def create_lead(request: HttpRequest) -> JsonResponse:
    token = _token(request)
    if token is None:
        # Failed attempts are counted per client address, so tokens cannot be guessed at speed.
        if is_ratelimited(request, group="api:leads:unauthenticated", key="ip",
                          rate=settings.API_RATE_LIMIT, increment=True):
            raise Ratelimited()
        response = _errors({"token": ["Send a valid API token as 'Authorization: Bearer <token>'."]}, 401)
        response["WWW-Authenticate"] = 'Bearer realm="leadops"'
        return response
    if token.owner_id and not token.allows(ApiToken.Scope.WRITE):
        return _errors({"token": ["This token may not create leads: it needs the 'write' scope."]}, 403)
    # Counted per token, so one busy form cannot starve the others; the middleware answers 429.
    if is_ratelimited(request, group="api:leads", key=lambda group, request: str(token.pk),
                      rate=settings.API_RATE_LIMIT, increment=True):
        raise Ratelimited()
    # Refuse by the declared length before reading; the read length covers chunked bodies.
    declared = request.headers.get("Content-Length", "")
    length = int(declared) if declared.isdigit() else len(request.body)
    if length > MAX_BODY_BYTES:
        return _errors({"body": [f"The body is {length:,} bytes; the limit is {MAX_BODY_BYTES:,}."]}, 413)
    try:
        payload = json.loads(request.body or b"null")
    except RecursionError:
        return _errors({"body": [f"The body is nested more than {MAX_NESTING} levels deep."]}, 400)
    except (ValueError, UnicodeDecodeError) as error:
        return _errors({"body": [f"The body is not valid JSON: {error}"]}, 400)
    created, answer = create_from_payload(payload, token.source)
    if created is None:
        return _errors(answer, 400)
    return JsonResponse(answer, status=201 if created else 200)
