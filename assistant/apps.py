from django.apps import AppConfig


class AssistantConfig(AppConfig):
    """Ask LeadOps: a door beside the staff pages and the API. Its tools call the domain apps' functions."""

    name = "assistant"

    def ready(self) -> None:
        from assistant import erasure, notifications
        from leads.signals import person_erased

        notifications.connect()
        person_erased.connect(erasure.forget_person, dispatch_uid="assistant.forget_person")
