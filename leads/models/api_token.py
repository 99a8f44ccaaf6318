"""ApiToken: a bearer token for the intake API."""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from leads.models.lead import Lead, TimeStamped


class ApiToken(TimeStamped):
    """A bearer token for the intake API. Only its SHA-256 is stored; the token is shown once."""

    name = models.CharField(max_length=100, help_text="Where it is used, e.g. 'website contact form'")
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to recognise it")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    source = models.CharField(max_length=20, choices=Lead.Source.choices, default=Lead.Source.WEB_FORM)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, **fields: Any) -> tuple["ApiToken", str]:
        """Create a token; returns the row and the plain token, which is not stored anywhere."""
        token = "lo_" + secrets.token_urlsafe(32)
        row = cls.objects.create(name=name, prefix=token[:10], token_hash=cls.hash(token), **fields)
        return row, token

    @classmethod
    def authenticate(cls, token: str) -> "ApiToken | None":
        row = cls.objects.filter(token_hash=cls.hash(token), is_active=True).first()
        if row:
            cls.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        return row
