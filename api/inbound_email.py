"""The inbound-email hook: a mail provider posts each message it receives for a rep's mailbox.

It is reached from outside, so it skips login and checks an HMAC signature of the body instead.

Contract: POST /hooks/inbound-email with a JSON body {from, to, subject, text, message_id,
in_reply_to, headers} and the header `X-LeadOps-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw
body keyed with INBOUND_EMAIL_SECRET. 401 when the signature is missing or wrong, 503 when no secret
is configured, 400 naming the bad field, 200 when matched to a lead, 202 when accepted but no lead
matched.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from outreach import replies

SIGNATURE_HEADER = "X-LeadOps-Signature"


@login_not_required
@csrf_exempt  # server-to-server; authenticated by the HMAC signature below.
@require_POST
def inbound_email(request: HttpRequest) -> HttpResponse:
    secret = settings.INBOUND_EMAIL_SECRET
    if not secret:
        return JsonResponse({"error": "not_configured", "message": "Set INBOUND_EMAIL_SECRET to accept inbound email."},
                            status=503)
    given = request.headers.get(SIGNATURE_HEADER, "").removeprefix("sha256=").strip()
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(given, expected):
        return JsonResponse({"error": "bad_signature", "message": f"{SIGNATURE_HEADER} is missing or wrong."},
                            status=401)
    try:
        message = replies.InboundEmail.model_validate(json.loads(request.body))
    except (ValueError, ValidationError) as error:
        details = error.errors() if isinstance(error, ValidationError) else [{"msg": str(error)}]
        fields = "; ".join(f"{'.'.join(map(str, item.get('loc', ()))) or 'body'}: {item['msg']}" for item in details)
        return JsonResponse({"error": "invalid", "message": fields}, status=400)
    result = replies.receive(message)
    return JsonResponse(result.as_dict(), status=200 if result.lead_id else 202)
