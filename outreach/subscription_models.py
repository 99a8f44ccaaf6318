"""ReportSubscription: who gets which report sections by email, and when (outreach.report_subscriptions).

Kept beside models.py, which re-exports it, so the drafts-and-sequences module stays one read.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.timezone import now


def deployment_timezone() -> str:
    """The default for a new subscription: the deployment's TIME_ZONE, read when the row is made."""
    return settings.TIME_ZONE


class ReportSubscription(models.Model):
    """One user's scheduled report email: a daily or a weekly one, each at most once per user."""

    class Cadence(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="report_subscriptions")
    # Keys of outreach.report_subscriptions.SECTIONS, in the order the email shows them.
    sections = models.JSONField(default=list)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.DAILY)
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(6)],
                                               help_text="0 is Monday; weekly emails only")
    hour = models.PositiveSmallIntegerField(default=7, validators=[MaxValueValidator(23)])
    timezone = models.CharField(max_length=64, default=deployment_timezone, help_text="IANA name, e.g. Europe/Berlin")
    enabled = models.BooleanField(default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "cadence"]
        constraints = [
            # subscribe() edits a user's daily (or weekly) email rather than adding a second one.
            models.UniqueConstraint(fields=["user", "cadence"], name="one_report_subscription_per_cadence"),
            models.CheckConstraint(condition=models.Q(cadence="daily") | models.Q(weekday__isnull=False),
                                   name="weekly_report_has_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_cadence_display()} report for {self.user}"
