from django.apps import AppConfig

from leads.signals import outcome_recorded, person_erased, qualification_wanted


class ScoringConfig(AppConfig):
    name = "scoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready: the receivers reach the models through the tasks.
        from leads.signals import leads_scored
        from scoring import receivers, rep_work

        qualification_wanted.connect(receivers.qualify_wanted_leads, dispatch_uid="scoring.qualify_wanted")
        outcome_recorded.connect(receivers.retrain_after_outcome, dispatch_uid="scoring.retrain_after")
        person_erased.connect(receivers.forget_person, dispatch_uid="scoring.forget_person")
        leads_scored.connect(rep_work.after_scoring, dispatch_uid="scoring.after_qualifying")
