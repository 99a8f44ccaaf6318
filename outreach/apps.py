from django.apps import AppConfig

from leads.signals import outcome_recorded, person_erased


class OutreachConfig(AppConfig):
    name = "outreach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready: both modules reach the models.
        from django.db.models.signals import post_delete, post_save

        from leads import export
        from outreach import mailboxes, receivers, template_store
        from outreach.models import EmailTemplate, Mailbox

        outcome_recorded.connect(receivers.stop_after_outcome, dispatch_uid="outreach.stop_after_outcome")
        person_erased.connect(receivers.forget_person, dispatch_uid="outreach.forget_person")
        post_save.connect(mailboxes.forget_signers, sender=Mailbox, dispatch_uid="outreach.forget_signers")
        post_delete.connect(mailboxes.forget_signers, sender=Mailbox, dispatch_uid="outreach.forget_signers_delete")
        post_save.connect(template_store.forget_templates, sender=EmailTemplate,
                          dispatch_uid="outreach.forget_templates")
        post_delete.connect(template_store.forget_templates, sender=EmailTemplate,
                            dispatch_uid="outreach.forget_templates_delete")
        export.add_columns("outreach.pending_draft", receivers.PENDING_DRAFT_COLUMNS,
                           receivers.pending_draft_columns)
