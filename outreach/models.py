"""Drafts and their sending outbox, follow-up sequences and the do-not-contact list."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from outreach.subscription_models import ReportSubscription  # noqa: F401  (a model of this app, kept in its own module)

# Registered with the app here; their module explains them.
from outreach.template_models import EmailTemplate, EmailTemplateVersion  # noqa: F401


class EmailDraft(models.Model):
    """An email to one lead, from draft to sent. Also the outbox row the send task claims.

    State machine: draft -> approved -> sending -> sent; a draft can be rejected or
    cancelled (e.g. superseded by a newer qualification); a send can fail.
    Transitions live in outreach.sending / outreach.approval and are logged on the lead.
    """

    class Variant(models.TextChoices):
        FIRST_TOUCH = "first_touch", "First touch"
        FOLLOW_UP_1 = "follow_up_1", "Follow-up 1"
        FOLLOW_UP_2 = "follow_up_2", "Follow-up 2"
        FOLLOW_UP_3 = "follow_up_3", "Follow-up 3"
        BREAKUP = "breakup", "Break-up"
        CLARIFYING_QUESTION = "clarifying_question", "Clarifying question"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class GeneratedBy(models.TextChoices):
        TEMPLATE = "template", "Template"
        LLM = "llm", "LLM"
        PERSON = "person", "Written by a person"

    OPEN_STATES = (State.DRAFT, State.APPROVED, State.SENDING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="drafts")
    variant = models.CharField(max_length=20, choices=Variant.choices, default=Variant.FIRST_TOUCH)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    to_email = models.CharField(max_length=254, blank=True)
    generated_by = models.CharField(max_length=10, choices=GeneratedBy.choices, default=GeneratedBy.TEMPLATE)
    template_key = models.CharField(max_length=50, blank=True)
    # The EmailTemplateVersion.number it was rendered from (blank: written before templates had versions).
    template_version = models.PositiveIntegerField(null=True, blank=True)
    prompt_version = models.CharField(max_length=50, blank=True)
    llm_model = models.CharField(max_length=100, blank=True)
    # The qualification inputs this draft was written from (see Lead.qualified_fingerprint).
    fingerprint = models.CharField(max_length=64, blank=True)
    needs_approval = models.BooleanField(default=False, help_text="Only a manager may approve it")
    approval_reason = models.CharField(max_length=300, blank=True)
    sequence_step = models.ForeignKey(
        "outreach.SequenceStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    enrollment = models.ForeignKey(
        "outreach.Enrollment", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    # The mailbox it went out from (set when claimed); a lead's later emails keep it (outreach.mailboxes).
    mailbox = models.ForeignKey("outreach.Mailbox", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="drafts")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Outbox: do not send before this time (quota or send window); the reason is shown to users.
    send_after = models.DateTimeField(null=True, blank=True)
    deferred_reason = models.CharField(max_length=200, blank=True)
    # A manager sent it now, outside the send window (outreach.approval.send_now); quotas still apply.
    window_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    sent_in_mock = models.BooleanField(default=False)
    rejection_reason = models.CharField(max_length=300, blank=True)
    failure_reason = models.TextField(blank=True)
    # Compliance lint results: {"blocking": [...], "warnings": [...]}.
    lint = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Re-running the pipeline or a beat tick never leaves two open drafts of one kind for a lead.
            models.UniqueConstraint(
                fields=["lead", "variant"],
                condition=Q(state__in=["draft", "approved", "sending"]),
                name="one_open_draft_per_lead_variant",
            ),
        ]
        indexes = [
            # Review queue: drafts waiting for a person.
            models.Index(fields=["state", "-created_at"], name="draft_state_created_idx"),
            # Drafts on the lead page.
            models.Index(fields=["lead", "-created_at"], name="draft_lead_created_idx"),
            # Quotas count sends per minute / day.
            models.Index(fields=["sent_at"], condition=Q(sent_at__isnull=False), name="draft_sent_at_idx"),
            # Send quotas count rows claimed for sending in rolling windows (outreach.quotas).
            models.Index(fields=["claimed_at"], condition=Q(claimed_at__isnull=False), name="draft_claimed_at_idx"),
            # Per-mailbox caps count the rows each mailbox claimed in the last hour and day (outreach.quotas).
            models.Index(fields=["mailbox", "claimed_at"], condition=Q(claimed_at__isnull=False),
                         name="draft_mailbox_claimed_idx"),
            # Reply matching by In-Reply-To.
            models.Index(fields=["message_id"], condition=~Q(message_id=""), name="draft_message_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_variant_display()} to {self.lead} ({self.get_state_display()})"

    @property
    def recipient(self) -> str:
        """The address this email goes to: the one it was drafted for, else the lead's."""
        return (self.to_email or self.lead.email).strip().lower()

    @property
    def gated(self) -> bool:
        """Only a manager may approve it: its lead's gate is raised, or it was flagged when drafted and no
        manager has cleared the lead's gate since. A gate raised after drafting holds the draft too."""
        return self.lead.needs_approval or (self.needs_approval and self.lead.approved_at is None)

    @property
    def gate_reason(self) -> str:
        """Why a manager must approve it: the lead's gate while raised, else what the draft was flagged for."""
        return self.lead.approval_reason if self.lead.needs_approval else self.approval_reason


# Drafts only a manager may approve (EmailDraft.gated as a filter). Once a manager clears the gate on the
# lead page (Lead.clear_approval_gate), the lead's waiting drafts are a rep's to approve.
GATED_FOR_MANAGER = Q(lead__needs_approval=True) | (Q(needs_approval=True) & Q(lead__approved_at__isnull=True))


class Sequence(models.Model):
    """An ordered set of follow-up steps a lead is enrolled in when its first touch is sent."""

    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_sequence"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Said in words here; the constraint's own message names only the constraint.
        if self.is_default:
            other = Sequence.objects.filter(is_default=True).exclude(pk=self.pk).first()
            if other is not None:
                raise ValidationError({"is_default": f"“{other}” is the default sequence; untick Default there first."})


class SequenceStep(models.Model):
    MAX_STEPS = 5

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    variant = models.CharField(max_length=20, choices=EmailDraft.Variant.choices)
    delay_days = models.PositiveSmallIntegerField(help_text="Days after the first touch was sent")

    class Meta:
        ordering = ["sequence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "position"], name="sequence_step_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} · step {self.position}: {self.get_variant_display()} (day {self.delay_days})"


class Enrollment(models.Model):
    """A lead working through a sequence. Stops on reply, meeting, unsubscribe, bounce, disqualify or close."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        STOPPED = "stopped", "Stopped"
        FINISHED = "finished", "Finished"

    # Still under way: a paused enrollment (waiting for a rep's task) resumes, so the lead is still in it.
    OPEN_STATUSES = (Status.ACTIVE, Status.PAUSED)

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="enrollments")
    sequence = models.ForeignKey(Sequence, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    # Position of the last step drafted; the next due step is the one after it.
    last_step_position = models.PositiveSmallIntegerField(default=1)
    next_due_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # Why and since when the steps wait (outreach.pausing): blank unless paused.
    paused_reason = models.CharField(max_length=200, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A paused enrollment resumes, so it counts as the lead's one open enrollment.
            models.UniqueConstraint(
                fields=["lead"], condition=Q(status__in=["active", "paused"]), name="one_open_enrollment_per_lead"
            ),
        ]
        indexes = [
            # The beat task's scan for due steps.
            models.Index(fields=["next_due_at"], condition=Q(status="active"), name="enrollment_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} in {self.sequence} ({self.get_status_display()})"


class Suppression(models.Model):
    """Do not contact: an address or a whole domain, with why and where it came from."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINT = "complaint", "Complaint"
        OPTED_OUT = "opted_out", "Asked not to be contacted"
        MANUAL = "manual", "Added by hand"

    email = models.CharField(max_length=254, blank=True,
                             help_text="Lower-case address; or leave blank and set a domain")
    domain = models.CharField(max_length=253, blank=True, help_text="Suppress every address at this domain")
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.MANUAL)
    source = models.CharField(max_length=100, blank=True, help_text="Where it came from: unsubscribe link, bounce, …")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(email="") & ~Q(domain="")) | (~Q(email="") & Q(domain="")),
                name="suppression_email_xor_domain",
            ),
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="suppression_email_unique"),
            models.UniqueConstraint(fields=["domain"], condition=~Q(domain=""), name="suppression_domain_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.email or '@' + self.domain} ({self.get_reason_display()})"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.email = self.email.strip().lower()
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Normalised before the unique constraints are checked, so "Ann@X.com" next to "ann@x.com" is a form
        # error in the admin, not an IntegrityError on save. Errors name a field, which skips the raw
        # "Constraint ... is violated" messages for it.
        self.email = self.email.strip().lower()
        self.domain = self.domain.strip().lower().lstrip("@")
        if bool(self.email) == bool(self.domain):
            raise ValidationError({"email": "Enter an address or a domain, not both."})
        # An erased person's row holds a hash of the address (outreach.suppression.address_hash).
        if self.email and "@" not in self.email and not self.email.startswith("sha256:"):
            raise ValidationError({"email": f"'{self.email}' is not an email address."})
        field, value = ("email", self.email) if self.email else ("domain", self.domain)
        if Suppression.objects.filter(**{field: value}).exclude(pk=self.pk).exists():
            raise ValidationError({field: f"{value} is already on the suppression list."})


class Mailbox(models.Model):
    """A sending identity with its SMTP account, and the IMAP folder where its replies and bounces arrive.

    Passwords and OAuth2 tokens are kept only encrypted (`outreach.credentials`), are never shown back and
    are set through `outreach.mailboxes.MailboxForm`. `uid_validity` and `last_uid` say how far the
    inbox has been read (`outreach.inbox`).
    """

    class Security(models.TextChoices):
        SSL = "ssl", "SSL/TLS"
        STARTTLS = "starttls", "STARTTLS"
        NONE = "none", "None (local test servers only)"

    class Auth(models.TextChoices):
        PASSWORD = "password", "Password or app password"
        XOAUTH2 = "xoauth2", "OAuth2 access token (XOAUTH2)"

    name = models.CharField(max_length=100, unique=True, help_text="What people call it: “Rita's mailbox”")
    owner = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="mailbox", help_text="The rep whose leads' emails go out from it")
    is_team_default = models.BooleanField(default=False, help_text="Used for leads whose owner has no mailbox")
    is_active = models.BooleanField(default=True)
    display_name = models.CharField(max_length=100, help_text="The name recipients see: “Rita Lopez”")
    email = models.EmailField(max_length=254)
    reply_to = models.EmailField(max_length=254, blank=True)
    signature = models.TextField(blank=True, help_text="Merge fields: {name}, {title}, {phone}, {booking_link}")
    sender_title = models.CharField(max_length=100, blank=True)
    sender_phone = models.CharField(max_length=50, blank=True)
    booking_link = models.URLField(max_length=300, blank=True)
    auth = models.CharField(max_length=10, choices=Auth.choices, default=Auth.PASSWORD)
    smtp_host = models.CharField(max_length=253, blank=True, help_text="Blank: the server in EMAIL_HOST")
    smtp_port = models.PositiveIntegerField(default=587)
    smtp_security = models.CharField(max_length=10, choices=Security.choices, default=Security.STARTTLS)
    smtp_username = models.CharField(max_length=254, blank=True)
    smtp_secret = models.TextField(blank=True, editable=False)
    imap_host = models.CharField(max_length=253, blank=True, help_text="Blank: replies are not read from it")
    imap_port = models.PositiveIntegerField(default=993)
    imap_security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    imap_username = models.CharField(max_length=254, blank=True)
    imap_secret = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(max_length=200, default="INBOX")
    per_hour_cap = models.PositiveIntegerField(default=60, help_text="Emails it may send in any hour")
    per_day_cap = models.PositiveIntegerField(default=500, help_text="Emails it may send in any 24 hours")
    stop_company_on_reply = models.BooleanField(
        default=False, help_text="A reply from anyone else at a lead's company stops that company's sequences too")
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_poll_error = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_team_default"], condition=Q(is_team_default=True),
                                    name="one_team_default_mailbox"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def reads_inbox(self) -> bool:
        return bool(self.is_active and self.imap_host)


class InboundMessage(models.Model):
    """One message read from a mailbox's IMAP folder: the ledger that makes reading it happen exactly once.

    Written in the transaction that acts on the message, so a worker killed at any point either did both
    or neither; the server-side flag is set only after that commit.
    """

    class Status(models.TextChoices):
        PROCESSED = "processed", "Processed"
        UNMATCHED = "unmatched", "No matching lead (for a person to look at)"
        FAILED = "failed", "Could not be read"

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    uid_validity = models.BigIntegerField()
    uid = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    message_id = models.CharField(max_length=998, blank=True)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=1000, blank=True)
    text = models.TextField(blank=True)
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    classification = models.CharField(max_length=20, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uid_validity", "uid"], name="inbound_message_once"),
        ]
        indexes = [
            # The mailbox page's list of messages waiting for a person.
            models.Index(fields=["mailbox", "status", "-created_at"], name="inbound_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.sender} ({self.get_status_display()})"

