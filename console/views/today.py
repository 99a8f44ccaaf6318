"""Today, the rep's start page after login (console.today has what it lists)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from console import today
from leadops.http import HtmxHttpRequest
from leadops.roles import role_required


@role_required
@require_GET
@vary_on_headers("HX-Request")
def today_page(request: HtmxHttpRequest) -> HttpResponse:
    """`?team=1`: a manager sees the whole team's day instead of their own."""
    return render(request, "leads/today.html", today.context(request.user, team=today.wants_team(request)))
