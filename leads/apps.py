from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from leadops.cache import invalidate
        from leads.signals import leads_changed

        # The cached counts and queue heads (pages and API) follow every change to the lead base.
        leads_changed.connect(invalidate, dispatch_uid="leadops.cache")
