from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The staff UI: every page, its helpers and partials. It owns no models."""

    name = "console"

    def ready(self) -> None:
        from console import dashboard  # noqa: PLC0415 - models are loaded only once apps are ready
        from leads.signals import leads_changed  # noqa: PLC0415

        leads_changed.connect(dashboard.on_leads_changed, dispatch_uid="console.dashboard")
