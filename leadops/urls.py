from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit

from leadops import health
from leadops.login import LoginView


def _reset_address(group: str, request: HttpRequest) -> str:
    """The address a reset is asked for, one key whatever its letter case or spaces."""
    return request.POST.get("email", "").strip().lower()


def _reset_rate(group: str, request: HttpRequest) -> str:
    return settings.PASSWORD_RESET_RATE_LIMIT


# A reset request mails a link: limited per client address and per address asked for, so the public form
# can neither flood someone's inbox nor send mail at speed.
password_reset_view = method_decorator(
    [
        ratelimit(key="ip", rate=_reset_rate, method="POST", block=True),
        ratelimit(key=_reset_address, rate=_reset_rate, method="POST", block=True),
    ],
    name="post",
)(auth_views.PasswordResetView)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Pages link their icon; this answers browsers (and the admin's pages) asking for the classic path."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon),
    # Rate limited per address and per address and username, and slowed down per username (leadops.login).
    path("accounts/login/", LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/password_reset/", password_reset_view.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # django-ninja reverses its own top-level namespace ("api-v1"), so it is not nested in "api".
    path("api/v1/", include("api.v1.urls", namespace="api-v1")),
    path("", include("api.urls")),
    path("", include("assistant.urls")),
    path("", include("console.urls")),
]

handler403 = "leadops.errors.permission_denied"
