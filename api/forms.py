"""`POST /api/forms/<key>`: a website form posts a lead from a visitor's browser.

The key (`leads.models.FormKey`) is public, so the door is narrow: the origin must be one the key lists
(CORS through django-cors-headers answers the browser's preflight for those origins only, see
`cors_allowed`), each visitor address may post `key.rate_limit` times, a filled honeypot field is
thanked and dropped (bots fill every field), and the consent checkbox must be ticked: the text the
visitor agreed to and the time are kept in the lead's attributes. The lead goes through the same
intake as every other door (`api.leads.create_from_payload`).

Answers: JSON (201/200 with the lead's id, 403, 404, 422 naming the fields, 429) when the page posts
with fetch() or asks for JSON; a plain HTML form gets a 303 to the key's thanks page instead of 201.
"""

import json
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from api.leads import MAX_BODY_BYTES, create_from_payload
from leads.models import FormKey

HONEYPOT = "leadops_hp"
CONSENT = "consent"
FORM_PATH = "/api/forms/"
TICKED = {"on", "true", "1", "yes"}


def _key_from_path(path: str) -> FormKey | None:
    if not path.startswith(FORM_PATH):
        return None
    return FormKey.objects.filter(key=path[len(FORM_PATH):].strip("/"), is_active=True).first()


def cors_allowed(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    """django-cors-headers' check_request_enabled: CORS for a form key's path, from that key's origins only."""
    key = _key_from_path(request.path)
    return bool(key and key.allows_origin(request.headers.get("Origin", "")))


def _answer(request: HttpRequest, key: FormKey | None, status: int, body: dict[str, Any]) -> HttpResponse:
    wants_json = "json" in request.headers.get("Accept", "") or "json" in request.content_type
    if status in (200, 201) and not wants_json and key and key.thanks_url:
        return HttpResponseRedirect(key.thanks_url, status=303)
    return JsonResponse(body, status=status)


def _payload(request: HttpRequest) -> dict[str, Any] | None:
    if "json" in request.content_type:
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None
    return {name: request.POST.get(name) for name in request.POST}


@csrf_exempt  # posted from another site by design; the key, its origins and the rate limit stand guard
@login_not_required
@require_POST
def post_form(request: HttpRequest, key: str) -> HttpResponse:
    form_key = FormKey.objects.filter(key=key, is_active=True).first()
    if form_key is None:
        return _answer(request, None, 404, {"errors": {"key": ["This form key is unknown or switched off."]}})
    origin = request.headers.get("Origin", "")
    if origin and not form_key.allows_origin(origin):
        return _answer(request, form_key, 403, {"errors": {"origin": [f"Forms may not post from {origin}."]}})
    if is_ratelimited(request, group=f"api:forms:{form_key.pk}", key="ip", rate=form_key.rate_limit, increment=True):
        return _answer(request, form_key, 429, {"errors": {"form": ["Too many posts from this address; try later."]}})
    declared = request.headers.get("Content-Length", "")
    if (int(declared) if declared.isdigit() else len(request.body)) > MAX_BODY_BYTES:
        return _answer(request, form_key, 413, {"errors": {"body": ["The form is too large."]}})
    payload = _payload(request)
    if payload is None:
        return _answer(request, form_key, 422, {"errors": {"body": ["Send the form's fields (or a JSON object)."]}})
    if payload.pop(HONEYPOT, None):
        # A bot: thanked like a person, so it learns nothing, and nothing is stored.
        return _answer(request, form_key, 201, {"id": None, "created": True})
    if str(payload.pop(CONSENT, "") or "").strip().lower() not in TICKED:
        return _answer(request, form_key, 422, {"errors": {CONSENT: ["Tick the consent box to send the form."]}})
    payload.update(consent_text=form_key.consent_text, consent_given_at=timezone.now().isoformat(),
                   form=form_key.name)
    created, answer = create_from_payload(payload, form_key.source)
    if created is None:
        return _answer(request, form_key, 422, {"errors": answer})
    return _answer(request, form_key, 201 if created else 200, answer)
