"""The v1 routes. django-ninja's views carry no login: the bearer token is their authentication."""

from django.urls import URLPattern

from api.v1 import decisions, drafts, leads, lists
from api.v1.core import api

api.add_router("", leads.router)
api.add_router("", drafts.router)
api.add_router("", lists.router)
api.add_router("", decisions.router)

# Included by module name from leadops.urls (which may not import the doors); the namespace is ninja's.
urlpatterns, app_name, _namespace = api.urls
for pattern in urlpatterns:
    if isinstance(pattern, URLPattern):
        # The site signs every page in (LoginRequiredMiddleware); the API's own auth answers 401 in JSON,
        # and the schema and its docs page are public: they describe the API and hold no data.
        pattern.callback.login_required = False  # type: ignore[attr-defined]
