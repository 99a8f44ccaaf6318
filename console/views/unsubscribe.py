"""The unsubscribe page: reached from a recipient's mail client, so it skips login.

The signed token in the link is the proof that the address is the recipient's own.
"""

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from outreach.models import Suppression
from outreach.suppression import suppress
from outreach.unsubscribe import read_token


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
