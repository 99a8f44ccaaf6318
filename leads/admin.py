from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest

from leads import intake, rep_tasks
from leads.assignment import assign
from leads.models import ActivityLog, ApiToken, AssignmentRule, Company, Feedback, ImportJob, Lead, LeadList, Task

# What an admin may change on a lead: what a person edits on the lead page (through intake.edit, so it
# is validated, logged and qualified again) and who owns it. Scores, statuses and approval gates are
# the pipeline's and the managers', changed on the lead page and in the review queue.
LEAD_ADMIN_FIELDS = (*Lead.EDITABLE_FIELDS, "owner")


class AdminOnlyDelete:
    """Deleting rows outright is for admins (superusers) only; a manager erases a person on the lead page."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Company)
class CompanyAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("domain", "name", "industry", "size_band", "country", "created_at")
    search_fields = ("domain", "name")
    list_filter = ("size_band", "country")


class LeadAdminForm(forms.ModelForm):
    """An admin's edit of a lead, checked by intake's rules, the ones the lead page's form answers to."""

    # Typed as a name or a code ("Germany", "DE"), as on the lead page; intake stores the code.
    country = forms.CharField(required=False, max_length=100, help_text="A name or an ISO code: Germany, DE, USA")

    class Meta:
        model = Lead
        fields = LEAD_ADMIN_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            lead_input = intake.parse_lead({**_edited(cleaned), "external_id": self.instance.external_id})
        except intake.IntakeError as error:
            for problem in error.errors:
                self.add_error(problem.field if problem.field in self.fields else None, problem.sentence())
            return cleaned
        # The values as intake will store them (the country's code, the email lower-cased), which the
        # model's own checks then see.
        cleaned.update({name: getattr(lead_input, name) or "" for name in Lead.EDITABLE_FIELDS if name != "source"})
        email = (cleaned.get("email") or "").strip().lower()
        other = (Lead.objects.annotate(email_lower=Lower("email")).filter(email_lower=email)
                 .exclude(pk=self.instance.pk).first() if email else None)
        if other:
            self.add_error("email", f"'{email}' is already the email of {other}.")
        return cleaned

    def validate_unique(self) -> None:
        # clean() names a taken email itself; the constraint's own message would name only the constraint.
        pass


def _edited(cleaned: dict[str, Any]) -> dict[str, Any]:
    return {name: cleaned.get(name) or "" for name in Lead.EDITABLE_FIELDS}


@admin.register(Lead)
class LeadAdmin(AdminOnlyDelete, admin.ModelAdmin):
    """Edits go through intake (validation, the timeline, qualifying again); the rest is read-only."""

    form = LeadAdminForm
    list_display = ("__str__", "email", "company_name", "status", "score_label", "score_value", "source", "created_at")
    list_filter = ("status", "score_label", "source", "recommended_action", "needs_approval", "urgency", "company_size")
    search_fields = ("email", "first_name", "last_name", "company_name", "external_id")
    raw_id_fields = ("owner",)
    readonly_fields = tuple(field.name for field in Lead._meta.concrete_fields if field.name not in LEAD_ADMIN_FIELDS)
    date_hierarchy = "created_at"
    show_full_result_count = False  # counting a million rows on every admin page is slow

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, Any, Any]:
        """The timeline, which cannot be deleted on its own, goes with its lead when an admin deletes the lead.

        Django would refuse (the timeline's admin allows no delete); the confirmation page still lists every
        row that goes (timeline entries, runs, emails, outcomes, enrolments) and counts them in its summary.
        """
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if request.user.is_superuser:
            perms_needed.discard(ActivityLog._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A lead comes in through intake's doors (the New lead page, an import, the API), which dedupe it.
        return False

    def save_model(self, request: HttpRequest, obj: Lead, form: Any, change: bool) -> None:
        stored = Lead.objects.get(pk=obj.pk)
        with transaction.atomic():
            intake.edit(stored, _edited(form.cleaned_data), actor=request.user)
            # The same owner change as the pages make: one OWNER_CHANGED entry on the timeline.
            assign([stored], form.cleaned_data.get("owner"), request.user)
        obj.refresh_from_db()


@admin.register(Task)
class TaskAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("title", "kind", "lead", "assignee", "due_at", "status", "source")
    list_filter = ("status", "kind", "source")
    search_fields = ("title",)
    raw_id_fields = ("lead", "assignee", "done_by", "created_by")

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        # Closing an open task goes through rep_tasks, as on the pages: on the timeline, and a sequence waiting
        # on the task hears of it.
        closing = change and form.initial.get("status") == Task.Status.OPEN and obj.status != Task.Status.OPEN
        closed_as = obj.status
        if closing:
            obj.status = Task.Status.OPEN
        super().save_model(request, obj, form, change)
        if closing and closed_as == Task.Status.DONE:
            rep_tasks.complete_task(obj, request.user)
        elif closing:
            rep_tasks.cancel_task(obj, request.user, reason="cancelled in the admin")


@admin.register(LeadList)
class LeadListAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("name", "owner", "shared", "created_at")
    raw_id_fields = ("owner",)


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("name", "position", "is_active", "source", "country", "label", "cap", "period")


@admin.register(ActivityLog)
class ActivityLogAdmin(admin.ModelAdmin):
    """Read-only: the timeline is append-only."""

    list_display = ("created_at", "lead", "type", "actor_name")
    list_filter = ("type",)
    search_fields = ("lead__email", "lead__last_name")
    raw_id_fields = ("lead",)
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Feedback)
class FeedbackAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("lead", "outcome", "created_by", "created_at")
    list_filter = ("outcome",)
    search_fields = ("lead__email", "notes")
    raw_id_fields = ("lead",)


@admin.register(ImportJob)
class ImportJobAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("original_name", "status", "rows", "created", "updated", "invalid", "created_by", "created_at")
    list_filter = ("status", "source")
    search_fields = ("original_name",)
    readonly_fields = [f.name for f in ImportJob._meta.fields]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are shown once, at creation, in the success message; only a hash is stored."""

    list_display = ("name", "prefix", "source", "is_active", "last_used_at", "created_at")
    list_filter = ("is_active", "source")
    search_fields = ("name", "prefix")
    fields = ("name", "source", "is_active", "prefix", "last_used_at")
    readonly_fields = ("prefix", "last_used_at")

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        if change:
            super().save_model(request, obj, form, change)
            return
        row, token = ApiToken.issue(obj.name, source=obj.source, is_active=obj.is_active, created_by=request.user)
        obj.pk, obj.prefix, obj.token_hash = row.pk, row.prefix, row.token_hash
        self.message_user(request, f"Token for '{row.name}': {token} — copy it now, it will not be shown again.")
