"""qualify_leads [--all | --status NEW | --ids ID ...] [--sync]: qualify leads in bulk.

Without --sync the ids are queued for the Celery worker in batches (QUALIFY_BATCH_SIZE); with
--sync they run in this process. Unchanged leads are skipped either way.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leads.models import Lead
from scoring.pipeline import runner
from scoring.tasks import enqueue_qualification


class Command(BaseCommand):
    help = (
        "Qualify leads: all of them, those with a status, or given ids; queued for the worker unless --sync."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every lead")
        which.add_argument("--status", choices=Lead.Status.values, help="leads with this status, e.g. NEW")
        which.add_argument("--ids", nargs="+", metavar="ID", help="these lead ids")
        parser.add_argument("--sync", action="store_true", help="run here instead of queueing for the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        leads = Lead.objects.order_by("created_at", "id")
        if options["status"]:
            leads = leads.filter(status=options["status"])
        if options["ids"]:
            try:
                leads = leads.filter(pk__in=options["ids"])
                found = {str(lead_id) for lead_id in leads.values_list("pk", flat=True)}
            except ValidationError as error:
                raise CommandError(f"--ids: {' '.join(error.messages)}") from None
            unknown = [lead_id for lead_id in options["ids"] if lead_id not in found]
            if unknown:
                raise CommandError(f"--ids: no lead with id {', '.join(unknown)}")
        ids = leads.values_list("pk", flat=True).iterator(chunk_size=2000)
        if options["sync"]:
            summary = runner.qualify_in_batches(ids)
            actions = (
                ", ".join(f"{action} {count}" for action, count in sorted(summary.actions.items())) or "none"
            )
            self.stdout.write(
                f"Qualified {summary.qualified} leads ({actions}); {summary.unchanged} unchanged, "
                f"{summary.failed} failed."
            )
            return
        queued = list(ids)
        enqueue_qualification(queued)
        self.stdout.write(f"Queued {len(queued)} leads for qualification.")
