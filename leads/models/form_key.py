"""FormKey: a public key for one website form that posts leads from visitors' browsers."""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from leads.models.lead import Lead, TimeStamped

DEFAULT_CONSENT = "I agree that {company} may contact me about my enquiry."


def origin_problem(origin: str) -> str:
    """Why `origin` is not a browser origin (scheme://host[:port]), or ""."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        return f"'{origin}' is not an origin like https://www.example.com (scheme and host, no path)."
    return ""


class FormKey(TimeStamped):
    """One web form: not a secret (it is in the page's HTML), so what it may do is narrow.

    It may only create leads, only from the origins listed, at most `rate_limit` posts per visitor address,
    and every lead it creates records the consent text the visitor ticked and when.
    """

    name = models.CharField(max_length=100, help_text="Which form, e.g. 'pricing page demo request'")
    key = models.CharField(max_length=40, unique=True, editable=False)
    allowed_origins = models.JSONField(default=list, help_text="e.g. https://www.example.com, one per line")
    consent_text = models.CharField(max_length=500, help_text="The text beside the consent checkbox")
    thanks_url = models.URLField(max_length=500, blank=True, help_text="Where a plain HTML form goes after posting")
    rate_limit = models.CharField(max_length=20, default="10/m", help_text="Posts per visitor address, e.g. 10/m")
    source = models.CharField(max_length=20, choices=Lead.Source.choices, default=Lead.Source.WEB_FORM)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = [problem for origin in self.allowed_origins if (problem := origin_problem(origin))]
        if problems:
            raise ValidationError({"allowed_origins": problems})

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.key:
            self.key = "pk_" + secrets.token_urlsafe(18)
        self.allowed_origins = [origin.rstrip("/") for origin in self.allowed_origins]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def allows_origin(self, origin: str) -> bool:
        return self.is_active and origin.rstrip("/") in self.allowed_origins
