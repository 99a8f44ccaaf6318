"""ApiToken: a bearer token for the intake API."""

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from leads.models.lead import Lead, TimeStamped

LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class ApiToken(TimeStamped):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once.

    A token acts as its owner: the owner's role decides what the approval gate allows, and the scopes
    narrow it further (a manager's read-only token cannot approve). A token without an owner is an
    intake token of the kind issued before scopes existed: it may only create leads (`POST /api/leads`).
    """

    class Scope(models.TextChoices):
        READ = "read", "Read leads, drafts and activity"
        WRITE = "write", "Create and change leads, drafts and outcomes"
        SEND = "send", "Approve and send emails"
        MANAGE = "manage", "Manage the suppression list"

    name = models.CharField(max_length=100, help_text="Where it is used, e.g. 'website contact form'")
    prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to recognise it")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True)
    source = models.CharField(max_length=20, choices=Lead.Source.choices, default=Lead.Source.WEB_FORM)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The person the token acts as (their role applies); tokens are revoked with their owner.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="api_tokens")
    scopes = models.JSONField(default=list, blank=True, help_text="Any of read, write, send, manage")

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

    def allows(self, scope: str) -> bool:
        return self.owner_id is not None and scope in self.scopes

    def revoke(self) -> None:
        ApiToken.objects.filter(pk=self.pk).update(is_active=False, updated_at=timezone.now())
        self.is_active = False

    @classmethod
    def authenticate(cls, token: str) -> "ApiToken | None":
        row = cls.objects.select_related("owner").filter(token_hash=cls.hash(token), is_active=True).first()
        if row is None or (row.owner is not None and not row.owner.is_active):
            return None
        now = timezone.now()
        # To the minute, so a busy client costs a write a minute rather than one per request.
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
            cls.objects.filter(pk=row.pk).update(last_used_at=now)
            row.last_used_at = now
        return row
