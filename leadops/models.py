"""Settings a manager can change at run time from the Settings page, and the log of every change."""

from django.conf import settings
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
