from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from leads.models import ActivityLog, ApiToken, Company, Feedback, ImportJob, Lead


class AdminOnlyDelete:
    """Deleting rows outright is for admins (superusers) only; a manager erases a person on the lead page."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Company)
class CompanyAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("domain", "name", "industry", "size_band", "country", "created_at")
    search_fields = ("domain", "name")
    list_filter = ("size_band", "country")


@admin.register(Lead)
class LeadAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("__str__", "email", "company_name", "status", "score_label", "score_value", "source", "created_at")
    list_filter = ("status", "score_label", "source", "recommended_action", "needs_approval", "urgency", "company_size")
    search_fields = ("email", "first_name", "last_name", "company_name", "external_id")
    raw_id_fields = ("company", "owner", "approved_by")
    readonly_fields = ("id", "created_at", "updated_at", "qualified_fingerprint", "qualified_at")
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
