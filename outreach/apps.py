from django.apps import AppConfig

from leads.signals import leads_scored, outcome_recorded, person_erased, task_cancelled, task_completed


class OutreachConfig(AppConfig):
    name = "outreach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported once the app registry is ready: both modules reach the models.
        from django.db.models.signals import post_delete, post_save

        from leads import export
        from outreach import mailboxes, receivers, rep_work, task_steps, template_store
        from outreach.models import EmailTemplate, Mailbox
        from outreach.signals import reply_received

        outcome_recorded.connect(receivers.stop_after_outcome, dispatch_uid="outreach.stop_after_outcome")
        person_erased.connect(receivers.forget_person, dispatch_uid="outreach.forget_person")
        leads_scored.connect(receivers.route_after_scoring, dispatch_uid="outreach.route_after_scoring")
        reply_received.connect(rep_work.after_reply, dispatch_uid="outreach.after_reply")
        task_completed.connect(task_steps.resume_on_task_done, dispatch_uid="outreach.resume_on_task_done")
        task_cancelled.connect(task_steps.skip_on_task_cancelled, dispatch_uid="outreach.skip_on_task_cancelled")
        post_save.connect(mailboxes.forget_signers, sender=Mailbox, dispatch_uid="outreach.forget_signers")
        post_delete.connect(mailboxes.forget_signers, sender=Mailbox, dispatch_uid="outreach.forget_signers_delete")
        post_save.connect(template_store.forget_templates, sender=EmailTemplate,
                          dispatch_uid="outreach.forget_templates")
        post_delete.connect(template_store.forget_templates, sender=EmailTemplate,
                            dispatch_uid="outreach.forget_templates_delete")
        export.add_columns("outreach.pending_draft", receivers.PENDING_DRAFT_COLUMNS,
                           receivers.pending_draft_columns)
