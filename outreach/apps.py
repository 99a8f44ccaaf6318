from django.apps import AppConfig

from leads.signals import outcome_recorded, person_erased


class OutreachConfig(AppConfig):
    name = "outreach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready: both modules reach the models.
        from leads import export
        from outreach import receivers

        outcome_recorded.connect(receivers.stop_after_outcome, dispatch_uid="outreach.stop_after_outcome")
        person_erased.connect(receivers.forget_person, dispatch_uid="outreach.forget_person")
        export.add_columns("outreach.pending_draft", receivers.PENDING_DRAFT_COLUMNS,
                           receivers.pending_draft_columns)
