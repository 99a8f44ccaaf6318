from django.apps import AppConfig

from leads.signals import leads_changed


class ConsoleConfig(AppConfig):
    """The staff UI: every page, its helpers and partials. It owns no models."""

    name = "console"

    def ready(self) -> None:
        # Imported once the app registry is ready: the dashboard reaches the models.
        from console import dashboard
        from console.reports import email_sections

        leads_changed.connect(dashboard.on_leads_changed, dispatch_uid="console.dashboard")
        # The report sections of the scheduled emails read apps above outreach, so this app writes them.
        email_sections.register()
