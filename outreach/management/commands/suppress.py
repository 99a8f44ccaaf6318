"""Add addresses or domains to the do-not-contact list from the command line (e.g. an opt-out export)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from outreach.models import Suppression
from outreach.suppression import suppress


class Command(BaseCommand):
    help = "Suppress email addresses or whole domains (@example.com); their sequences stop and drafts are cancelled."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("targets", nargs="+", help="jane@example.com or @example.com")
        parser.add_argument("--reason", choices=Suppression.Reason.values, default=Suppression.Reason.MANUAL)
        parser.add_argument("--source", default="suppress command")

    def handle(self, *args: Any, targets: list[str], reason: str, source: str, **options: Any) -> None:
        for target in targets:
            target = target.strip().lower()
            if target.startswith("@") and "." in target:
                row, created = suppress(domain=target, reason=reason, source=source)
            elif "@" in target.strip("@"):
                row, created = suppress(email=target, reason=reason, source=source)
            else:
                raise CommandError(f"'{target}' is neither an email address nor a domain like @example.com")
            self.stdout.write(f"{row}: {'added' if created else 'already suppressed'}")
