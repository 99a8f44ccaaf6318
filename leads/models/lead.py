"""Leads, the companies they work at, their append-only timeline and the outcomes recorded for them."""

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone

from leadops.roles import is_manager
from leads.addresses import email_address
from leads.signals import announce_leads_changed

# "Highest score" sorts by label, then score: each scoring version cuts its own labels, and a learned
# version's scores are chances in percent where a rules version's are points, so a closed lead's old
# 85 points must not outrank an open lead's HOT 25 %. One integer, so the keyset and its index stay one column.
LABEL_SORT_RANK = {"HOT": 3000, "WARM": 2000, "COLD": 1000}
SCORE_SORT = models.Case(
    *(models.When(score_label=label, then=models.Value(rank)) for label, rank in LABEL_SORT_RANK.items()),
    default=models.Value(0), output_field=models.IntegerField(),
) + Coalesce("score_value", models.Value(-1), output_field=models.IntegerField())


def score_sort_key(label: str, score: int | None) -> int:
    """SCORE_SORT for a row already read (the keyset cursor)."""
    return LABEL_SORT_RANK.get(label, 0) + (score if score is not None else -1)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Company(TimeStamped):
    """A company known by its domain; leads with an address or website at that domain belong to it."""

    domain = models.CharField(max_length=253, unique=True)
    name = models.CharField(max_length=200, blank=True)
    website = models.URLField(max_length=300, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    size_band = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    # Title and meta description of the homepage, when web enrichment is on.
    web_profile = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.name or self.domain


class Lead(TimeStamped):
    """One person who may buy. Created or updated only through `leads.intake`."""

    class Status(models.TextChoices):
        NEW = "NEW", "New"
        QUALIFIED = "QUALIFIED", "Qualified"
        NEEDS_INFO = "NEEDS_INFO", "Needs info"
        DISQUALIFIED = "DISQUALIFIED", "Disqualified"
        CONTACTED = "CONTACTED", "Contacted"
        MEETING_BOOKED = "MEETING_BOOKED", "Meeting booked"
        CLOSED_WON = "CLOSED_WON", "Closed won"
        CLOSED_LOST = "CLOSED_LOST", "Closed lost"

    class Source(models.TextChoices):
        WEB_FORM = "web_form", "Web form"
        REFERRAL = "referral", "Referral"
        OUTBOUND = "outbound", "Outbound"
        EVENT = "event", "Event"
        PARTNER = "partner", "Partner"
        IMPORT = "import", "Import"
        API = "api", "API"
        OTHER = "other", "Other"

    class Urgency(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class SizeBand(models.TextChoices):
        MICRO = "1-10", "1-10"
        SMALL = "11-50", "11-50"
        MEDIUM = "51-200", "51-200"
        MID = "201-500", "201-500"
        LARGE = "501-1000", "501-1,000"
        ENTERPRISE = "1001-5000", "1,001-5,000"
        HUGE = "5001+", "5,001+"

    class Label(models.TextChoices):
        HOT = "HOT", "Hot"
        WARM = "WARM", "Warm"
        COLD = "COLD", "Cold"

    class Action(models.TextChoices):
        SEND_EMAIL = "SEND_EMAIL", "Send email"
        ASK_QUESTION = "ASK_QUESTION", "Ask a question"
        DISQUALIFY = "DISQUALIFY", "Disqualify"
        HOLD = "HOLD", "Hold (nurture)"

    # Field groups: each names, once, the lead fields one job works with.
    # What intake writes and compares; status, scores and the rest belong to the pipeline and to people.
    INTAKE_FIELDS = (
        "first_name", "last_name", "email", "external_id", "phone", "website", "company_name", "job_title",
        "industry", "company_size", "country", "budget_range", "budget_amount", "pain_point", "urgency",
        "lead_message",
    )
    # What a person edits on the lead page. Not the id from the source system, nor the lead's own message:
    # those are what the lead or their system said, kept as given.
    EDITABLE_FIELDS = (
        "first_name", "last_name", "email", "phone", "company_name", "website", "job_title", "industry",
        "company_size", "country", "source", "budget_range", "urgency", "pain_point",
    )
    # What a qualification reads: a change to any of them means the lead is qualified again.
    QUALIFICATION_INPUT_FIELDS = (
        "first_name", "last_name", "email", "phone", "website", "company_name", "job_title", "industry",
        "company_size", "country", "source", "budget_range", "budget_amount", "pain_point", "urgency",
        "lead_message", "attributes",
    )
    # One-line text: runs of white space in them mean nothing, so the pipeline reads them collapsed.
    SINGLE_LINE_FIELDS = (
        "first_name", "last_name", "company_name", "job_title", "industry", "country", "budget_range",
        "phone", "website",
    )

    # Status groups: each names, once, the statuses one rule applies to.
    # Decided by qualification: a run may move a lead among these. Past them a lead is being worked by
    # people or a sequence: rescored, never re-routed.
    PIPELINE_STATUSES = (Status.NEW, Status.QUALIFIED, Status.NEEDS_INFO, Status.DISQUALIFIED)
    # Still open: their score steers work, so a new scoring version and the stranded-lead sweep qualify
    # them again. Closed, disqualified and booked leads keep the score they had.
    RESCORED_STATUSES = (Status.NEW, Status.QUALIFIED, Status.NEEDS_INFO, Status.CONTACTED)
    # Not contacted yet: a sent email moves these on to CONTACTED; later statuses are left alone.
    UNCONTACTED_STATUSES = (Status.NEW, Status.QUALIFIED, Status.NEEDS_INFO)
    # Past following up: the conversation ended, or moved to a meeting.
    FINISHED_STATUSES = (Status.DISQUALIFIED, Status.MEETING_BOOKED, Status.CLOSED_WON, Status.CLOSED_LOST)
    # The recommended action still says what to do next: once a question is out, an email sent or the
    # lead finished, the pages show where it stands instead of a stale "Send email".
    ACTION_STATUSES = (Status.NEW, Status.QUALIFIED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    # Stored lower-cased by intake; unique (case-insensitively) when present.
    email = models.CharField(max_length=254, blank=True)
    # Identifier from the source system (e.g. a CRM export's "Prospect ID"), for rows with no email.
    external_id = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=300, blank=True)
    # Not indexed alone: lead_company_idx starts with it. Every index costs each imported row.
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads", db_index=False
    )
    company_name = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    company_size = models.CharField(max_length=20, choices=SizeBand.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB_FORM)
    budget_range = models.CharField(max_length=100, blank=True, help_text="As the lead gave it")
    budget_amount = models.PositiveIntegerField(
        null=True, blank=True, help_text="Upper end of the budget in USD, when it could be read"
    )
    pain_point = models.TextField(blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, blank=True)
    lead_message = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text="Extra columns from imports, kept as given")
    owner = models.ForeignKey(  # indexed by lead_owner_created_idx
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_leads",
        db_index=False,
    )

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    score_label = models.CharField(max_length=4, choices=Label.choices, blank=True)
    score_value = models.PositiveSmallIntegerField(null=True, blank=True)
    score_probability = models.FloatField(null=True, blank=True)
    score_rationale = models.TextField(blank=True)
    # [{"factor": "VP title", "points": 20}, ...]; they add up to score_value.
    score_factors = models.JSONField(default=list, blank=True)
    score_version = models.PositiveIntegerField(null=True, blank=True)
    enrichment = models.JSONField(default=dict, blank=True)
    recommended_action = models.CharField(max_length=20, choices=Action.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    needs_approval = models.BooleanField(default=False)
    approval_reason = models.CharField(max_length=300, blank=True)
    approved_by = models.ForeignKey(  # indexed by lead_approved_by_idx
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # A disqualification waiting for a manager to confirm it (outreach.approval): why, who asked (nobody:
    # qualification recommended it) and since when. Empty when none waits; the status stays until then.
    disqualification_reason = models.CharField(max_length=300, blank=True)
    disqualification_requested_by = models.ForeignKey(  # indexed by lead_disq_requested_by_idx
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    disqualification_requested_at = models.DateTimeField(null=True, blank=True)
    # Hash of the inputs the last qualification saw: an unchanged lead is not re-qualified.
    qualified_fingerprint = models.CharField(max_length=64, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    # When the person's personal data was erased (leads.erasure); the row keeps only what identifies no one.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Dedupe key for every intake door; partial so leads without email are allowed.
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="lead_email_ci_unique"),
            # Re-importing a historic export keyed by its own id creates nothing new.
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="lead_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(score_value__isnull=True) | Q(score_value__lte=100), name="lead_score_value_0_100"
            ),
        ]
        indexes = [
            # Dashboard: newest first, and keyset pagination over (created_at, id).
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
            # Dashboard filters: status / label / source, each listed newest first.
            models.Index(fields=["status", "-created_at"], name="lead_status_created_idx"),
            # Partial: the label filter asks for HOT, WARM or COLD, and an unscored (just imported) lead then
            # adds no entry to write.
            models.Index(fields=["score_label", "-created_at"], condition=~Q(score_label=""),
                         name="lead_label_created_idx"),
            models.Index(fields=["source", "-created_at"], name="lead_source_created_idx"),
            # "My leads" filter.
            models.Index(fields=["owner", "-created_at"], name="lead_owner_created_idx"),
            # Leads by company for company memory ("2 earlier leads at acme.com").
            models.Index(fields=["company", "created_at"], name="lead_company_idx"),
            # Dashboard sorted by score: keyset over (label rank + score or -1, created_at, id); see SCORE_SORT.
            models.Index(
                SCORE_SORT.desc(), models.F("created_at").desc(), models.F("id").desc(),
                name="lead_label_score_sort_idx",
            ),
            # Deleting a user clears their approvals. Partial: most leads were never approved, and an
            # imported lead then adds no entry here.
            models.Index(fields=["approved_by"], condition=Q(approved_by__isnull=False), name="lead_approved_by_idx"),
            # The managers' list of disqualifications to confirm, oldest first. Partial: almost no lead has one.
            models.Index(fields=["disqualification_requested_at"], condition=~Q(disqualification_reason=""),
                         name="lead_disq_waiting_idx"),
            # Deleting a user clears their requests. Partial, like lead_approved_by_idx.
            models.Index(fields=["disqualification_requested_by"],
                         condition=Q(disqualification_requested_by__isnull=False), name="lead_disq_requested_by_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.external_id or ("Erased person" if self.erased_at else str(self.id))

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.id])

    @property
    def action_is_current(self) -> bool:
        return bool(self.recommended_action) and self.status in self.ACTION_STATUSES

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self) -> None:
        self.email = self.email.strip().lower()
        if self.email:
            try:
                self.email = email_address(self.email)
            except ValueError as error:
                raise ValidationError({"email": f"'{self.email}' {error}"}) from None

    def clear_approval_gate(self, user: Any) -> None:
        """A manager lets a gated lead's action go ahead."""
        if not is_manager(user):
            raise ValidationError("Only a manager can clear an approval gate.")
        self.needs_approval = False
        self.approved_by = user
        self.approved_at = timezone.now()
        self.save(update_fields=["needs_approval", "approved_by", "approved_at", "updated_at"])
        ActivityLog.record(self, ActivityLog.Type.STATUS_CHANGED, actor=user,
                           payload={"approval": "cleared", "reason": self.approval_reason})
        announce_leads_changed()


class ActivityLog(models.Model):
    """The lead's timeline. Append-only: rows are never deleted by the app, and changed only by an erasure,
    which takes the personal data out of their payloads (leads.erasure)."""

    class Type(models.TextChoices):
        INGESTED = "INGESTED", "Ingested"
        UPDATED = "UPDATED", "Updated"
        SCORED = "SCORED", "Scored"
        EMAIL_DRAFTED = "EMAIL_DRAFTED", "Email drafted"
        EMAIL_APPROVED = "EMAIL_APPROVED", "Email approved"
        EMAIL_REJECTED = "EMAIL_REJECTED", "Email rejected"
        EMAIL_SENT = "EMAIL_SENT", "Email sent"
        STATUS_CHANGED = "STATUS_CHANGED", "Status changed"
        REPLY_RECEIVED = "REPLY_RECEIVED", "Reply received"
        UNSUBSCRIBED = "UNSUBSCRIBED", "Unsubscribed"
        BOUNCED = "BOUNCED", "Bounced"
        SEQUENCE = "SEQUENCE", "Sequence"
        FEEDBACK = "FEEDBACK", "Outcome recorded"
        NOTE = "NOTE", "Note"
        ERROR = "ERROR", "Error"
        ERASED = "ERASED", "Personal data erased"
        OWNER_CHANGED = "OWNER_CHANGED", "Owner changed"
        TASK = "TASK", "Task"

    # Not indexed alone: activity_lead_created_idx starts with it.
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities", db_index=False)
    type = models.CharField(max_length=20, choices=Type.choices)
    payload = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(  # indexed by activity_actor_idx
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    # Who did it when it was not a person: "system", "api", "import", "pipeline".
    actor_label = models.CharField(max_length=50, default="system")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activity log"
        indexes = [
            # The timeline on the lead page, newest first.
            models.Index(fields=["lead", "-created_at"], name="activity_lead_created_idx"),
            # Deleting a user clears them from the log. Partial: imports and the pipeline log with no user.
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="activity_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError("Activity log entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError("Activity log entries are append-only.")

    @property
    def actor_name(self) -> str:
        return self.actor.get_username() if self.actor_id and self.actor else self.actor_label

    @classmethod
    def record(
        cls, lead: Lead, type: str, *, actor: Any = None, actor_label: str = "system", payload: dict | None = None
    ) -> "ActivityLog":
        user = actor if getattr(actor, "is_authenticated", False) else None
        return cls.objects.create(
            lead=lead, type=type, actor=user, actor_label=actor_label if user is None else "user",
            payload=payload or {},
        )


class Feedback(models.Model):
    """An outcome a person recorded for a lead; learning fits the scoring to these."""

    class Outcome(models.TextChoices):
        BOOKED_DEMO = "booked_demo", "Booked demo"
        NO_RESPONSE = "no_response", "No response"
        DISQUALIFIED = "disqualified", "Disqualified"
        CLOSED_WON = "closed_won", "Closed won"
        CLOSED_LOST = "closed_lost", "Closed lost"

    # Outcomes that count as a conversion when learning.
    POSITIVE = (Outcome.BOOKED_DEMO, Outcome.CLOSED_WON)

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="feedback")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        indexes = [
            # Latest outcome per lead, and learning's scan of all outcomes.
            models.Index(fields=["lead", "-created_at"], name="feedback_lead_created_idx"),
            models.Index(fields=["outcome", "created_at"], name="feedback_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} for {self.lead}"
