"""`erase_leads`: erase people's personal data (a data-protection request), or run the retention job now."""

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from leadops.roles import is_manager
from leads import erasure
from leads.models import Lead


class Command(BaseCommand):
    help = (
        "Erase the personal data of the leads with these addresses or ids: the rows stay without anything "
        "that identifies the person, and each address stays only as a hash on the do-not-contact list. "
        "--retention erases the leads untouched for LEAD_RETENTION_MONTHS instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("people", nargs="*", metavar="EMAIL_OR_ID", help="Lead email addresses or lead ids")
        parser.add_argument("--by", metavar="USERNAME", help="The manager who asked for it (shown on the timeline)")
        parser.add_argument("--reason", default="on request", help='Why, for the timeline (default "on request")')
        parser.add_argument("--retention", action="store_true",
                            help="Erase the leads untouched for LEAD_RETENTION_MONTHS months")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retention"]:
            if options["people"]:
                raise CommandError("Give addresses or ids, or --retention, not both.")
            count = erasure.erase_stale_leads()
            self.stdout.write(f"Erased {count} lead(s) untouched for the retention period.")
            return
        if not options["people"]:
            raise CommandError("Give at least one lead email address or id (or --retention).")
        actor = self._manager(options["by"])
        leads = [self._lead(value) for value in options["people"]]
        for lead in leads:
            label = str(lead.pk)
            erasure.erase(lead, actor=actor, actor_label="command", reason=options["reason"])
            self.stdout.write(f"Erased lead {label}.")

    def _manager(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--by {username!r}: no user with this username.")
        if not is_manager(user):
            raise CommandError(f"--by {username!r}: only a manager can erase a person.")
        return user

    def _lead(self, value: str) -> Lead:
        text = value.strip()
        query = Q(email__iexact=text) if "@" in text else Q(pk=text) if _is_uuid(text) else Q(external_id=text)
        lead = Lead.objects.filter(query).first()
        if lead is None:
            raise CommandError(f"{value!r}: no lead with this email address, id or source-system id.")
        return lead


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
