"""Email templates a team owns: each saved wording is kept as a numbered version (who changed what, roll back).

Imported by outreach.models, which registers them; kept apart so that module stays readable. A template is
chosen by purpose (the kind of email) and, when it names them, the lead's source and industry
(outreach.template_store.choose): a blank source or industry means "any".
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from leads.models import Lead

# Where a lead came to us by itself: it may be thanked for getting in touch. Any other source was contacted first.
INBOUND_SOURCES = ("web_form", "referral", "event", "partner")
# A lead we wrote to first (a bought or researched list): never thanked for getting in touch.
OUTBOUND_SOURCE = "outbound"


class EmailTemplate(models.Model):
    class Purpose(models.TextChoices):
        # The EmailDraft.Variant values come first: a variant's default template has the variant as its purpose.
        FIRST_TOUCH = "first_touch", "First email (introduction)"
        FOLLOW_UP_1 = "follow_up_1", "Follow-up 1"
        FOLLOW_UP_2 = "follow_up_2", "Follow-up 2"
        FOLLOW_UP_3 = "follow_up_3", "Follow-up 3"
        BREAKUP = "breakup", "Break-up (last email)"
        CLARIFYING_QUESTION = "clarifying_question", "Clarifying question"
        VALUE_PROPOSITION = "value_proposition", "Value proposition"
        CASE_STUDY = "case_study", "Case study or proof"
        SOFT_REMINDER = "soft_reminder", "Soft reminder"
        DEMO_INVITE = "demo_invite", "Demo invitation"
        NURTURE_1 = "nurture_1", "Nurture 1 (monthly value content)"
        NURTURE_2 = "nurture_2", "Nurture 2 (monthly value content)"
        NURTURE_3 = "nurture_3", "Nurture 3 (monthly value content)"

    key = models.SlugField(max_length=50, unique=True, validators=[RegexValidator(
        r"^[a-z0-9_]+$", "Use lower-case letters, digits and underscores only, e.g. first_touch_events.")],
        help_text="A short name drafts and sequence steps refer to it by, e.g. first_touch_events")
    name = models.CharField(max_length=100)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    # Blank: any source / any industry. The most specific match wins (outreach.template_store.choose).
    source = models.CharField(max_length=20, blank=True, help_text="Only for leads from this source")
    industry = models.CharField(max_length=60, blank=True, help_text="Only for leads in this industry")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    is_active = models.BooleanField(default=True)
    # The number of the EmailTemplateVersion holding the current subject and body (stored on drafts).
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "source", "industry", "key"]
        indexes = [
            # choose(): the active templates of one purpose.
            models.Index(fields=["purpose"], condition=Q(is_active=True), name="email_template_purpose_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audience(self) -> str:
        """Which leads it is for, in words."""
        parts = []
        if self.source:
            parts.append(f"{dict(Lead.Source.choices).get(self.source, self.source)} leads")
        if self.industry:
            parts.append(f"in {self.industry}")
        return " ".join(parts) if parts else "Any lead"


class EmailTemplateVersion(models.Model):
    """The subject and body a template had after one save; never changed once written."""

    template = models.ForeignKey(EmailTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # What the save was: "created", "edited", "rolled back to version 3", "seeded".
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="email_template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template} · version {self.number}"
