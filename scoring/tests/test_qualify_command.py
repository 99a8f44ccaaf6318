"""manage.py qualify_leads: pick leads by --all / --status / --ids, run here (--sync) or queue them."""

import pytest
from django.core.management import CommandError, call_command

from conftest import LeadFactory
from leads.models import Lead
from scoring.tests.test_pipeline import HOT_LEAD

pytestmark = pytest.mark.django_db


def make_leads(count: int, **fields) -> list[Lead]:
    return [
        LeadFactory(**{**HOT_LEAD, "email": f"buyer{number}@northwind-logistics.com", **fields})
        for number in range(count)
    ]


def test_sync_qualifies_the_leads_with_a_status_and_reports_what_happened(capsys):
    make_leads(3)
    contacted = LeadFactory(email="done@northwind-logistics.com", status=Lead.Status.CONTACTED)

    call_command("qualify_leads", "--status", "NEW", "--sync")

    assert capsys.readouterr().out.strip() == "Qualified 3 leads (SEND_EMAIL 3); 0 unchanged, 0 failed."
    contacted.refresh_from_db()
    assert contacted.qualified_at is None


def test_running_it_again_changes_nothing(capsys):
    make_leads(2)
    call_command("qualify_leads", "--all", "--sync")

    call_command("qualify_leads", "--all", "--sync")

    assert (
        capsys.readouterr().out.strip().splitlines()[-1] == "Qualified 0 leads (none); 2 unchanged, 0 failed."
    )


def test_ids_pick_exactly_those_leads(capsys):
    first, second = make_leads(2)

    call_command("qualify_leads", "--ids", str(first.pk), "--sync")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Lead.Status.QUALIFIED and second.status == Lead.Status.NEW


def test_an_unknown_or_malformed_id_is_named(capsys):
    with pytest.raises(CommandError, match="no lead with id 00000000-0000-0000-0000-000000000000"):
        call_command("qualify_leads", "--ids", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError, match="not-a-uuid"):
        call_command("qualify_leads", "--ids", "not-a-uuid")


def test_without_sync_the_leads_are_queued_for_the_worker(capsys, django_capture_on_commit_callbacks):
    make_leads(3)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("qualify_leads", "--all")

    assert capsys.readouterr().out.strip() == "Queued 3 leads for qualification."
    assert Lead.objects.filter(status=Lead.Status.QUALIFIED).count() == 3


def test_one_way_of_choosing_leads_is_required():
    with pytest.raises(CommandError, match="one of the arguments --all --status --ids is required"):
        call_command("qualify_leads")
