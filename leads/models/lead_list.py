"""Named lists of leads a rep or manager keeps: a saved dashboard filter, leads picked by hand, or both."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from leads.models.lead import Lead, TimeStamped


class LeadList(TimeStamped):
    """Its leads are the saved filter's result (when it has one) together with the leads added to it (leads.lists)."""

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_lists")
    # Shared lists are seen (and used) by the whole team; private ones by their owner only.
    shared = models.BooleanField(default=False)
    # The dashboard's query parameters ({"status": "open", "label": "HOT"}); empty: the list is its members only.
    filters = models.JSONField(default=dict, blank=True)
    members = models.ManyToManyField(Lead, through="LeadListMember", related_name="lead_lists", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="lead_list_owner_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class LeadListMember(models.Model):
    lead_list = models.ForeignKey(LeadList, on_delete=models.CASCADE, related_name="memberships")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead_list", "lead"], name="lead_list_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} in {self.lead_list}"
