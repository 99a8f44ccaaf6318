from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The staff UI: every page, its helpers and partials. It owns no models."""

    name = "console"

    def ready(self) -> None:
        # The report sections of the scheduled emails read apps above outreach, so this app writes them.
        from console.reports import email_sections

        email_sections.register()
