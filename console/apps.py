from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The staff UI: every page, its helpers and partials. It owns no models."""

    name = "console"
