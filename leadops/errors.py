"""Friendly error pages that keep the layout."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "You do not have permission to do this."
    return render(request, "403.html", {"message": message}, status=403)


_PERIODS = {"s": "a few seconds", "m": "a minute", "h": "an hour", "d": "a day"}


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """django-ratelimit's block: 429 with a JSON body for the API, a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "rate_limited", "message": "Too many requests; slow down and retry."}, status=429)
    if "password_reset" in request.path:
        # The reset limit's own period (PASSWORD_RESET_RATE_LIMIT, e.g. 5/h), not the sign-in form's minute.
        period = _PERIODS.get(str(settings.PASSWORD_RESET_RATE_LIMIT).rpartition("/")[2][:1], "a while")
        wait = f"Please wait {period} before asking for another reset link."
    else:
        wait = "Please wait a minute and try again."
    return render(request, "429.html", {"wait": wait}, status=429)
