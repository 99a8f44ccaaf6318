"""Public outreach endpoints: the unsubscribe page and the inbound-email hook.

Both are reached from outside (a recipient's mail client, the mail provider's webhook), so they
skip login; each checks its own signature instead (signed token / HMAC of the body).

Inbound hook contract: POST /hooks/inbound-email with a JSON body {from, to, subject, text,
message_id, in_reply_to, headers} and the header `X-LeadOps-Signature: sha256=<hex>`, the
HMAC-SHA256 of the raw body keyed with INBOUND_EMAIL_SECRET. 401 when the signature is missing or
wrong, 503 when no secret is configured, 400 naming the bad field, 200 when matched to a lead,
202 when accepted but no lead matched.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from pydantic import ValidationError

from outreach import replies
from outreach.models import Suppression
from outreach.suppression import suppress
from outreach.unsubscribe import read_token

SIGNATURE_HEADER = "X-LeadOps-Signature"


@login_not_required
@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers, with no session; the token is the proof.
@ratelimit(key="ip", rate="60/m", block=True)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        email = read_token(token)
    except signing.BadSignature:
        return render(request, "outreach/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "GET":
        # A GET only shows the button: link scanners and previews must not unsubscribe anyone.
        return render(request, "outreach/unsubscribe.html", {"email": email, "token": token})
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    suppress(email=email, reason=Suppression.Reason.UNSUBSCRIBED,
             source="one-click unsubscribe (RFC 8058)" if one_click else "unsubscribe link")
    return render(request, "outreach/unsubscribe.html", {"email": email, "done": True})


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
