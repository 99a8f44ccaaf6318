from django.apps import AppConfig


class ApiConfig(AppConfig):
    """JSON endpoints for other systems. It owns no models: each endpoint calls the domain apps."""

    name = "api"
