"""Friendly error pages that keep the layout."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "You do not have permission to do this."
    return render(request, "403.html", {"message": message}, status=403)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """django-ratelimit's block: 429 with a JSON body for the API, a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "rate_limited", "message": "Too many requests; slow down and retry."}, status=429)
    return render(request, "429.html", status=429)
