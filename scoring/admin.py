from django.contrib import admin

from leads.admin import AdminOnlyDelete
from scoring.models import ScoringConfig, Trace


@admin.register(ScoringConfig)
class ScoringConfigAdmin(admin.ModelAdmin):
    list_display = ("version", "source", "is_active", "created_by", "created_at", "activated_at")
    list_filter = ("source", "is_active")
    readonly_fields = ("created_at", "activated_at")


@admin.register(Trace)
class TraceAdmin(AdminOnlyDelete, admin.ModelAdmin):
    list_display = ("run_id", "lead", "status", "used_llm", "fell_back", "duration_ms", "created_at")
    list_filter = ("status", "used_llm", "fell_back")
    raw_id_fields = ("lead",)
    readonly_fields = [f.name for f in Trace._meta.fields]
    show_full_result_count = False
