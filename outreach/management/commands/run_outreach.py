"""Run the outreach beat jobs once, inline: for the embedded mode (no beat) from cron, or by hand."""

from typing import Any

from django.core.management.base import BaseCommand

from outreach import report_subscriptions, sending, tasks
from outreach.models import EmailDraft


class Command(BaseCommand):
    help = "Send due and deferred emails, draft due follow-ups, close out interrupted sends (optionally reports)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reports", action="store_true", help="Also send the scheduled report emails now due.")

    def handle(self, *args: Any, **options: Any) -> None:
        interrupted = tasks.recover_interrupted_sends()
        drafted = tasks.draft_due_follow_ups()
        outcomes: dict[str, int] = {}
        due = EmailDraft.objects.filter(state=EmailDraft.State.APPROVED).values_list("pk", flat=True)
        for draft_id in list(due):
            outcome = sending.send(draft_id).split(":")[0]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) or "nothing due"
        self.stdout.write(f"Sends: {summary}. Follow-ups drafted: {drafted}. Interrupted sends closed: {interrupted}.")
        if options["reports"]:
            self.stdout.write(f"Report emails sent: {report_subscriptions.send_due()}.")
