"""`setup_demo`: one command from an empty database to a signed-in demo, and safe to run again."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from leadops.roles import has_role, is_manager
from leads.models import Lead

pytestmark = pytest.mark.django_db


def _setup_demo() -> str:
    output = io.StringIO()
    call_command("setup_demo", stdout=output)
    return output.getvalue()


def _passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(rep|manager)\s+password: (\S+)", output, flags=re.MULTILINE))


def test_it_creates_both_logins_loads_the_demo_leads_and_prints_how_to_sign_in(settings):
    output = _setup_demo()

    assert f"LeadOps is ready at {settings.SITE_URL}/" in output
    passwords = _passwords(output)
    assert set(passwords) == {"rep", "manager"}
    rep, manager = User.objects.get(username="rep"), User.objects.get(username="manager")
    assert has_role(rep) and not is_manager(rep) and not rep.is_staff
    assert is_manager(manager) and manager.is_staff
    assert manager.has_perm("leads.add_apitoken")  # managers run the admin side too

    assert Lead.objects.count() > 180
    assert re.search(r"Demo leads: \d+ rows = \d+ created", output)

    client = Client()
    assert client.login(username="rep", password=passwords["rep"])
    assert client.get("/").status_code == 200


def test_running_it_again_creates_nothing_and_prints_fresh_passwords():
    first = _passwords(_setup_demo())
    leads, users = Lead.objects.count(), User.objects.count()

    output = _setup_demo()

    assert Lead.objects.count() == leads and User.objects.count() == users
    assert "0 created" in output
    second = _passwords(output)
    assert second["rep"] != first["rep"]
    assert "password reset" in output
    client = Client()
    assert not client.login(username="manager", password=first["manager"])
    assert client.login(username="manager", password=second["manager"])
