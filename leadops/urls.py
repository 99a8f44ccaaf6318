from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from leadops import health
from leadops.login import LoginView


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Pages link their icon; this answers browsers (and the admin's pages) asking for the classic path."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon),
    # Rate limited per address and per address and username, and slowed down per username (leadops.login).
    path("accounts/login/", LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("console.urls")),
]

handler403 = "leadops.errors.permission_denied"
