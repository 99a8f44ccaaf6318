"""The tracking pixel and click redirect of outreach emails (outreach.tracking): reached from a recipient's
mail client, so they skip login; the signed token is the credential. The pixel always answers with the image,
so a mail client never shows a broken one; a made-up click link gets a page that says so."""

import base64

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from outreach import tracking
from outreach.models import TrackingEvent

# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _user_agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def pixel(request: HttpRequest, token: str) -> HttpResponse:
    tracking.record(token, TrackingEvent.Kind.OPEN, user_agent=_user_agent(request), method=request.method)
    return HttpResponse(PIXEL, content_type="image/gif")


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, token: str) -> HttpResponse:
    url = tracking.record(token, TrackingEvent.Kind.CLICK, user_agent=_user_agent(request), method=request.method)
    if url is None:
        return render(request, "outreach/tracking_invalid.html", status=404)
    return HttpResponseRedirect(url)
