from django.apps import AppConfig


class ApiConfig(AppConfig):
    """JSON endpoints for other systems. It owns no models: each endpoint calls the domain apps."""

    name = "api"

    def ready(self) -> None:
        # CORS is on only for a form key's path and that key's origins (imported on first use: needs the models).
        from corsheaders.signals import check_request_enabled

        from api.forms import cors_allowed

        check_request_enabled.connect(cors_allowed, dispatch_uid="api.forms.cors_allowed")
