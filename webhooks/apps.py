from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed webhooks out: it listens to the domain apps' signals and delivers their events to managers' URLs."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers are connected here, where Django wants them (imported on first use).
        from webhooks import receivers

        receivers.connect()
