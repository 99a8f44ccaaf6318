"""TrackingEvent: an open (the pixel loaded) or a click (a tracked link followed) of one sent email.

Only with EMAIL_TRACKING on (outreach.tracking). Events a machine made where it can be told apart (Apple's
Mail Privacy Protection and Google's image proxy fetching images on delivery, link scanners, a click within
seconds of delivery) are stored with counted=False and the reason, so the reports leave them out.
"""

from django.db import models
from django.utils.timezone import now


class TrackingEvent(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", "Opened"
        CLICK = "click", "Clicked"

    draft = models.ForeignKey("outreach.EmailDraft", on_delete=models.CASCADE, related_name="tracking_events")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    url = models.CharField(max_length=2000, blank=True)
    counted = models.BooleanField(default=True)
    filtered_because = models.CharField(max_length=100, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sequence report counts the period's counted events per step and variant.
            models.Index(fields=["created_at"], condition=models.Q(counted=True), name="tracking_counted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.draft_id}"
