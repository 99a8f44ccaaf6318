"""Rules managers set to give new leads an owner: round robin among chosen reps, matched by source, country or
label, with a cap per rep per period (leads.assignment.apply_rules)."""

from django.conf import settings
from django.db import models

from leads.models.lead import Lead, TimeStamped


class AssignmentRule(TimeStamped):
    """The first active rule (by position) that matches a qualified lead with no owner picks its owner."""

    class Period(models.TextChoices):
        DAY = "day", "per day"
        WEEK = "week", "per week"
        MONTH = "month", "per month"

    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=1, help_text="Rules are tried in this order")
    is_active = models.BooleanField(default=True)
    # Blank: any. A lead must match every one that is set.
    source = models.CharField(max_length=20, choices=Lead.Source.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    label = models.CharField(max_length=4, choices=Lead.Label.choices, blank=True)
    reps = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="assignment_rules")
    # Leads one rep gets from this rule in one period; empty: no cap.
    cap = models.PositiveIntegerField(null=True, blank=True)
    period = models.CharField(max_length=5, choices=Period.choices, default=Period.WEEK)
    # Round robin: the rep who got this rule's last lead; the next one in name order gets the next.
    last_rep = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def matches(self, lead: Lead) -> bool:
        return all(not wanted or getattr(lead, field) == wanted
                   for field, wanted in (("source", self.source), ("country", self.country),
                                         ("score_label", self.label)))


class RuleAssignment(models.Model):
    """One lead a rule gave a rep: what the cap counts."""

    rule = models.ForeignKey(AssignmentRule, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The cap: leads a rule gave one rep since the period began.
            models.Index(fields=["rule", "rep", "created_at"], name="rule_assignment_cap_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} to {self.rep} by {self.rule}"
