"""`python manage.py setup_demo`: a ready-to-try LeadOps in one command (`make run` calls it).

Migrates the database, creates the "rep" and "manager" groups and one user in each, imports
fixtures/demo_leads.csv through the normal import path, then prints the address and both logins.
Safe to run again: groups, users and leads are reused (re-importing the file creates nothing), and
each run prints fresh passwords, so a forgotten one is one command away.
"""

import io
import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from leadops.roles import MANAGER, REP

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo_leads.csv"
# Managers run the app through Django admin too (API tokens, suppressions, sequences, data fixes).
MANAGER_ADMIN_APPS = ("leads", "scoring", "outreach")


class Command(BaseCommand):
    help = "Migrate, create the rep and manager logins, load the demo leads and print how to sign in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(DEMO_FILE), help="CSV of leads to load (default: the demo leads)")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        with transaction.atomic():
            rep_group, manager_group = self._groups()
            logins = [
                self._user("rep", rep_group, is_staff=False),
                self._user("manager", manager_group, is_staff=True),
            ]
        summary = self._import(Path(options["file"]))
        self.stdout.write(
            f"Demo leads: {summary['rows']} rows = {summary['created']} created + {summary['updated']} updated"
            f" + {summary['unchanged']} unchanged + {summary['duplicates_in_file']} duplicates in the file"
            f" + {summary['invalid']} invalid."
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"LeadOps is ready at {settings.SITE_URL}/"))
        for username, password, note in logins:
            self.stdout.write(f"  {username:<8} password: {password}   ({note})")
        self.stdout.write("Run `python manage.py setup_demo` again to print new passwords.")

    def _groups(self) -> tuple[Group, Group]:
        rep_group, _ = Group.objects.get_or_create(name=REP)
        manager_group, _ = Group.objects.get_or_create(name=MANAGER)
        manager_group.permissions.add(
            *Permission.objects.filter(content_type__app_label__in=MANAGER_ADMIN_APPS)
        )
        return rep_group, manager_group

    def _user(self, username: str, group: Group, *, is_staff: bool) -> tuple[str, str, str]:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com", "is_staff": is_staff}
        )
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_active = True
        user.is_staff = is_staff
        user.save()
        user.groups.add(group)
        what = "works leads, reviews drafts" if group.name == REP else "also approves gates, tunes scoring, admin"
        return username, password, f"{what}; {'new user' if created else 'password reset'}"

    def _import(self, path: Path) -> dict[str, Any]:
        """The demo file goes through `import_leads`, like any list a user imports."""
        output = io.StringIO()
        call_command("import_leads", str(path), "--json", stdout=output)
        return json.loads(output.getvalue())
