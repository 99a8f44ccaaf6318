from django.contrib import admin

from leadops.models import DeferredTask, LLMCall, RuntimeSetting, SettingChange


@admin.register(RuntimeSetting)
class RuntimeSettingAdmin(admin.ModelAdmin):
    list_display = ("key", "value", "updated_by", "updated_at")
    readonly_fields = ("key", "value", "updated_by", "updated_at")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False  # changed through the Settings page, which validates and logs


@admin.register(SettingChange)
class SettingChangeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "key", "old_value", "new_value", "changed_by")
    list_filter = ("key",)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(DeferredTask)
class DeferredTaskAdmin(admin.ModelAdmin):
    """What waits for the broker (leadops.outbox): to look at during an outage; beat sends it when Redis is back."""

    list_display = ("created_at", "name", "error")
    readonly_fields = ("task_id", "name", "args", "kwargs", "error", "created_at")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(LLMCall)
class LLMCallAdmin(admin.ModelAdmin):
    list_display = ("created_at", "purpose", "model", "prompt_tokens", "completion_tokens", "cost_usd", "duration_ms",
                    "error")
    list_filter = ("purpose",)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
