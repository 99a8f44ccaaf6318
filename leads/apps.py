from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from leadops.cache import invalidate
        from leads import rep_tasks
        from leads.models import Task
        from leads.signals import leads_changed

        # The cached counts and queue heads (pages and API) follow every change to the lead base.
        leads_changed.connect(invalidate, dispatch_uid="leadops.cache")
        post_delete.connect(rep_tasks.announce_deleted_task, sender=Task, dispatch_uid="leads.announce_deleted_task")
