"""The unsubscribe page: reached from a recipient's mail client, so it skips login.

The token in the link is the proof that the address is the recipient's own. A confirmed opt-out
needs the database alone: it is never refused by the rate limit (mail providers send RFC 8058
one-click POSTs for many recipients from a few addresses) and never waits on the cache, so it is
recorded while Redis or the cache is down. The limit covers what costs without proving anything:
made-up tokens and page views.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from outreach.models import Suppression
from outreach.suppression import suppress
from outreach.unsubscribe import read_token

logger = logging.getLogger(__name__)

RATE = "60/m"


def _over_the_limit(request: HttpRequest) -> bool:
    try:
        return is_ratelimited(request, group="outreach:unsubscribe", key="ip", rate=RATE, increment=True)
    except Exception:  # a cache that cannot count must not stand between a person and an opt-out
        logger.warning("Unsubscribe rate limit not checked: the cache failed", exc_info=True)
        return False


@login_not_required
@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers, with no session; the token is the proof.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        email = read_token(token)
    except signing.BadSignature:
        if _over_the_limit(request):
            raise Ratelimited() from None
        return render(request, "outreach/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "GET":
        if _over_the_limit(request):
            raise Ratelimited()
        # A GET only shows the button: link scanners and previews must not unsubscribe anyone.
        return render(request, "outreach/unsubscribe.html", {"email": email, "token": token})
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    suppress(email=email, reason=Suppression.Reason.UNSUBSCRIBED,
             source="one-click unsubscribe (RFC 8058)" if one_click else "unsubscribe link")
    return render(request, "outreach/unsubscribe.html", {"email": email, "done": True})
