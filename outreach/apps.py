from django.apps import AppConfig

from leads.signals import leads_scored, outcome_recorded, person_erased


class OutreachConfig(AppConfig):
    name = "outreach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready: both modules reach the models.
        from django.db.models.signals import post_delete, post_save

        from leads import export
        from outreach import mailboxes, receivers
        from outreach.models import Mailbox

        outcome_recorded.connect(receivers.stop_after_outcome, dispatch_uid="outreach.stop_after_outcome")
        person_erased.connect(receivers.forget_person, dispatch_uid="outreach.forget_person")
        leads_scored.connect(receivers.route_after_scoring, dispatch_uid="outreach.route_after_scoring")
        post_save.connect(mailboxes.forget_signers, sender=Mailbox, dispatch_uid="outreach.forget_signers")
        post_delete.connect(mailboxes.forget_signers, sender=Mailbox, dispatch_uid="outreach.forget_signers_delete")
        export.add_columns("outreach.pending_draft", receivers.PENDING_DRAFT_COLUMNS,
                           receivers.pending_draft_columns)
