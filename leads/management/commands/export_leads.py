"""`python manage.py export_leads [--format csv|json] [--output PATH] [--status S]`: stream leads out.

Writes to stdout unless --output is given; the summary line goes to stderr so a pipe
(`export_leads --format json | jq ...`) receives only the data.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from leads.export import ExportFormat, LeadExport
from leads.filters import LeadFilters, filtered_leads
from leads.models import Lead

CHOICES = {"status": Lead.Status, "label": Lead.Label, "source": Lead.Source}


class Command(BaseCommand):
    help = "Export leads as CSV (formula-safe) or JSON, streamed in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=ExportFormat.values, default=ExportFormat.CSV)
        parser.add_argument("--output", help="File to write; stdout when left out")
        parser.add_argument("--status", default="", help=f"Only leads in this status: {', '.join(Lead.Status.values)}")
        parser.add_argument("--label", default="",
                            help=f"Only leads with this score label: {', '.join(Lead.Label.values)}")
        parser.add_argument("--source", default="",
                            help=f"Only leads from this source: {', '.join(Lead.Source.values)}")

    def handle(self, *args: Any, **options: Any) -> None:
        query = QueryDict(mutable=True)
        for name in ("status", "label", "source"):
            if options[name]:
                query[name] = options[name]
        # The dashboard's filters, so the command and the Download CSV button agree on what matches.
        filters = LeadFilters.from_query(query)
        if filters.errors:
            raise CommandError("; ".join(f"{message}; choose one of: {', '.join(CHOICES[name].values)}"
                                         for name, message in filters.errors.items()))
        # No --owner option, so the user the dashboard filters "my leads" by is never consulted.
        export = LeadExport(filtered_leads(filters, user=None), format=options["format"])  # type: ignore[arg-type]
        if options["output"]:
            path = Path(options["output"])
            try:
                with path.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(export.chunks())
            except OSError as error:
                raise CommandError(f"Cannot write {path}: {error.strerror}") from None
            destination = str(path)
        else:
            for chunk in export.chunks():
                self.stdout.write(chunk, ending="")
            destination = "stdout"
        self.stderr.write(f"Exported {export.count} leads as {options['format'].upper()} to {destination}.")
