from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from leads.admin import AdminOnlyDelete
from outreach import template_store
from outreach.mailbox_form import MailboxForm
from outreach.models import (
    EmailDraft,
    Enrollment,
    InboundMessage,
    Mailbox,
    ReportSubscription,
    Sequence,
    SequenceStep,
    Suppression,
)
from outreach.stopping import stop_contacting
from outreach.template_models import EmailTemplate


@admin.register(EmailDraft)
class EmailDraftAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("lead", "variant", "state", "needs_approval", "approved_by", "sent_at", "created_at")
    list_filter = ("state", "variant", "generated_by", "needs_approval", "sent_in_mock")
    search_fields = ("lead__email", "subject", "message_id")
    raw_id_fields = ("lead", "sequence_step", "enrollment", "approved_by")
    # The state machine moves only through approval and sending: a state typed back to "approved" here
    # would be picked up by the outbox beat and send an email a second time.
    # The approval gate too: unticking it here would let a rep approve what only a manager may.
    readonly_fields = ("state", "approved_by", "approved_at", "message_id", "sent_at", "sent_in_mock", "claimed_at",
                       "send_attempts", "needs_approval", "approval_reason", "created_at", "updated_at")
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: EmailDraft | None = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state != EmailDraft.State.DRAFT:
            # What was approved or sent is what a person signed off: it stays as it was.
            fields += ("lead", "variant", "subject", "body", "to_email")
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Drafts come from the pipeline, a sequence step or "needs info"; a hand-made row skips the approval gate.
        return False


def step_variants() -> list[tuple[str, str]]:
    """The variants a sequence step can send: those with an active email template, less the clarifying question."""
    template_store.ensure_seeded()
    purposes = set(EmailTemplate.objects.filter(is_active=True).values_list("purpose", flat=True))
    return [(value, label) for value, label in EmailDraft.Variant.choices
            if value in purposes and value != EmailDraft.Variant.CLARIFYING_QUESTION]


class SequenceStepForm(forms.ModelForm):
    class Meta:
        model = SequenceStep
        fields = ("position", "variant", "delay_days")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what can be drafted is offered: the follow-up beat could never draft a step without a template.
        offered = step_variants()
        field = self.fields["variant"]
        field.choices = [("", "---------"), *offered]
        field.error_messages["invalid_choice"] = (
            "“%(value)s” has no email template, so this step could never be drafted. Choose one of: "
            + ", ".join(label for _, label in offered) + "."
        )


class SequenceStepInline(admin.TabularInline):
    model = SequenceStep
    form = SequenceStepForm
    extra = 0
    max_num = SequenceStep.MAX_STEPS


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "is_active")
    inlines = [SequenceStepInline]


@admin.register(Enrollment)
class EnrollmentAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("lead", "sequence", "status", "last_step_position", "next_due_at", "stop_reason")
    list_filter = ("status", "sequence")
    raw_id_fields = ("lead",)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("email", "domain", "reason", "source", "created_at")
    list_filter = ("reason",)
    search_fields = ("email", "domain", "source")

    def save_model(self, request: HttpRequest, obj: Suppression, form: Any, change: bool) -> None:
        if not change:
            obj.source = obj.source or "added in admin"
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            # As for an unsubscribe: the covered leads' sequences stop and their unsent drafts are cancelled.
            stop_contacting(obj, actor=request.user)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "email", "owner", "is_team_default", "is_active", "imap_host", "last_polled_at",
                    "last_poll_error")
    list_filter = ("is_active", "is_team_default")
    search_fields = ("name", "email", "display_name")
    raw_id_fields = ("owner",)
    readonly_fields = ("uid_validity", "last_uid", "last_polled_at", "last_poll_error")


@admin.register(InboundMessage)
class InboundMessageAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("subject", "sender", "mailbox", "status", "classification", "lead", "created_at")
    list_filter = ("status", "mailbox")
    search_fields = ("sender", "subject", "message_id")
    raw_id_fields = ("lead",)
    # The ledger of what was read from the server: written by the inbox reader alone.
    readonly_fields = ("mailbox", "uid_validity", "uid", "status", "message_id", "sender", "subject", "text",
                       "classification", "error", "attempts", "created_at", "updated_at")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "cadence", "weekday", "hour", "timezone", "enabled", "last_sent_at")
    list_filter = ("cadence", "enabled")
    raw_id_fields = ("user",)
    readonly_fields = ("last_sent_at",)
