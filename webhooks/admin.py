from django.contrib import admin

from webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "is_active", "created_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "event_id", "endpoint", "state", "attempts", "last_status", "created_at")
    list_filter = ("state", "event")
    readonly_fields = [field.name for field in Delivery._meta.fields]
