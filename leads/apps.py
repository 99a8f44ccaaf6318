from typing import Any

from django.apps import AppConfig

from leads.signals import leads_changed


class LeadsConfig(AppConfig):
    name = "leads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The dashboard page caches counts of the lead base and drops them when leads announce a change.
        # Imported once the app registry is ready: the page reaches the models. It belongs to the staff
        # pages' own AppConfig once the pages have an app of their own.
        from leads import dashboard

        def drop_dashboard_cache(sender: Any, **kwargs: Any) -> None:
            dashboard.invalidate()

        leads_changed.connect(drop_dashboard_cache, weak=False, dispatch_uid="leads.dashboard.invalidate")
