"""The inbound-email hook: a mail provider posts each message it receives for a rep's mailbox.

It is reached from outside, so it skips login and checks an HMAC signature instead.

Contract: POST /hooks/inbound-email with a JSON body {from, to, subject, text, message_id,
in_reply_to, headers} and two headers:

- `X-LeadOps-Timestamp: <unix time in whole seconds>`, when the request was signed;
- `X-LeadOps-Signature: sha256=<hex>`, the HMAC-SHA256 keyed with INBOUND_EMAIL_SECRET of the
  timestamp, a full stop and the raw body: `hmac(secret, f"{timestamp}.".encode() + body)`.

A request signed more than INBOUND_EMAIL_MAX_AGE seconds (default 300) before or after now is refused,
so a captured request cannot be replayed later; within that window a second delivery of the same
signed request is recognised (by its message id, or by its signature when it has none) and changes
nothing. Answers: 401 when the signature or timestamp is missing or wrong or the timestamp is out of
the window (`error` says which), 503 when no secret is configured, 400 naming the bad field (a body that
is not JSON, nested too deeply, or has text no database can store such as a NUL character), 200 when
matched to a lead, 202 when accepted but no lead matched. The answer never waits on the LLM: the reply is
stored and acted on with the rules' reading, and a reply they cannot place is read by the LLM in a task
afterwards (outreach.replies).
"""

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from leadops.hmac_signing import sign
from outreach import replies

__all__ = ["inbound_email", "sign"]
SIGNATURE_HEADER = "X-LeadOps-Signature"
TIMESTAMP_HEADER = "X-LeadOps-Timestamp"


def _refused(error: str, message: str) -> JsonResponse:
    return JsonResponse({"error": error, "message": message}, status=401)


def _invalid(message: str) -> JsonResponse:
    return JsonResponse({"error": "invalid", "message": message}, status=400)


@login_not_required
@csrf_exempt  # server-to-server; authenticated by the HMAC signature below.
@require_POST
def inbound_email(request: HttpRequest) -> HttpResponse:
    secret = settings.INBOUND_EMAIL_SECRET
    if not secret:
        return JsonResponse({"error": "not_configured", "message": "Set INBOUND_EMAIL_SECRET to accept inbound email."},
                            status=503)
    timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
    given = request.headers.get(SIGNATURE_HEADER, "").strip()
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return _refused("bad_timestamp", f"{TIMESTAMP_HEADER} must be the signing time in whole Unix seconds.")
    if not given or not hmac.compare_digest(given.encode(), sign(secret, timestamp, request.body).encode()):
        return _refused("bad_signature", f"{SIGNATURE_HEADER} is missing or wrong (it signs "
                                         f"'<{TIMESTAMP_HEADER}>.<body>').")
    age = time.time() - int(timestamp)
    if abs(age) > settings.INBOUND_EMAIL_MAX_AGE:
        return _refused("stale_timestamp", f"The request was signed {abs(int(age))} s {'ago' if age > 0 else 'ahead'};"
                                           f" requests are accepted within {settings.INBOUND_EMAIL_MAX_AGE} s.")
    try:
        payload = json.loads(request.body)
    except RecursionError:
        return _invalid("body: nested too deeply")
    except ValueError as error:  # UnicodeDecodeError included
        return _invalid(f"body: not valid JSON ({error})")
    try:
        message = replies.InboundEmail.model_validate(payload)
    except ValidationError as error:
        fields = "; ".join(f"{'.'.join(map(str, item.get('loc', ()))) or 'body'}: {item['msg']}"
                           for item in error.errors(include_url=False))
        return _invalid(fields)
    # The signature is unique to this timestamp and body: a replay within the window has the same one.
    delivery = hashlib.sha256(given.encode()).hexdigest()[:32]
    result = replies.receive(message, delivery=delivery)
    return JsonResponse(result.as_dict(), status=200 if result.lead_id else 202)
