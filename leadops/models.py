"""Settings a manager can change at run time from the Settings page, the log of every change, and the tasks
waiting for the broker."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class RuntimeSetting(models.Model):
    """The current value of one run-time setting, overriding the environment's default."""

    key = models.CharField(max_length=50, unique=True)
    value = models.JSONField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.value!r}"


class SettingChange(models.Model):
    """Append-only history: who changed which setting from what to what."""

    key = models.CharField(max_length=50)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key}: {self.old_value!r} -> {self.new_value!r}"


class DeferredTask(models.Model):
    """A task the broker did not take when it was queued (Redis away); `leadops.outbox` sends it later.

    Deleted once sent: the table holds only what still waits, so /healthz counts it.
    """

    task_id = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=200)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} waiting since {self.created_at:%Y-%m-%d %H:%M:%S}"
