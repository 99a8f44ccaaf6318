"""A rep's day in real Chromium: owners given on the lead page, to ticked leads and to a filter's whole result;
Today's task completed in place and its draft opened."""

import datetime

import pytest
from django.utils import timezone

from conftest import LeadFactory
from leads import rep_tasks
from leads.models import ActivityLog, Lead, Task
from outreach.models import EmailDraft
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_assigns_one_lead_then_ticked_leads_then_every_hot_lead(page, rep, manager, screenshots):
    rep.first_name, rep.last_name = "Rita", "Reyes"
    rep.save()
    ada = LeadFactory(first_name="Ada", last_name="Lovelace", score_label=Lead.Label.HOT, score_value=90)
    ticked = [LeadFactory(first_name=f"Tick{index}", score_label=Lead.Label.COLD) for index in range(2)]
    hot = [LeadFactory(first_name=f"Hot{index}", score_label=Lead.Label.HOT) for index in range(3)]
    log_in(page, manager.username, then=ada.get_absolute_url())

    page.select_option("#lead-owner", label="Rita Reyes")
    page.click("#work >> text=Assign")
    page.wait_for_selector("#work >> text=Assigned to Rita Reyes.")
    page.wait_for_selector("#timeline >> text=Assigned to Rita Reyes.")
    assert Lead.objects.get(pk=ada.pk).owner == rep

    page.goto("/")
    for lead in ticked:
        page.check(f"input[name=lead][value='{lead.pk}']")
    page.select_option("#bulk-owner", label="Rita Reyes")
    page.click("text=Assign the ticked leads")
    page.wait_for_selector("text=2 leads assigned to Rita Reyes.")
    assert set(Lead.objects.filter(owner=rep)) == {ada, *ticked}

    page.goto("/?label=HOT")
    page.select_option("#bulk-owner", label="Rita Reyes")
    page.click("text=Assign all 4 matching…")
    page.wait_for_selector("h1 >> text=Assign 4 leads?")
    screenshot(page, screenshots, "rep-day-assign-confirm")
    assert not Lead.objects.filter(pk__in=[lead.pk for lead in hot], owner=rep).exists()
    page.click("text=Yes, assign 4 leads")
    page.wait_for_selector("text=3 leads assigned to Rita Reyes.")
    assert set(Lead.objects.filter(owner=rep)) == {ada, *ticked, *hot}
    assert ActivityLog.objects.filter(type=ActivityLog.Type.OWNER_CHANGED).count() == 6
    page.goto("/?owner=me")
    assert "Ada" not in page.inner_text("#lead-table")  # the manager's own leads: none


def test_a_rep_starts_on_today_completes_a_task_in_place_and_opens_a_draft(page, rep, screenshots):
    lead = LeadFactory(first_name="Mona", last_name="Marsh", owner=rep, score_label=Lead.Label.HOT, score_value=80)
    overdue = rep_tasks.create_task(lead, kind=Task.Kind.CALL, title="Call Mona back",
                                    due_at=timezone.now() - datetime.timedelta(hours=3))
    rep_tasks.create_task(lead, kind=Task.Kind.LINKEDIN, title="Connect with Mona",
                          due_at=timezone.now() + datetime.timedelta(minutes=30))
    EmailDraft.objects.create(lead=lead, subject="Mona, a faster first reply", body="Hi Mona,\n\nA note.\n\nBest",
                              to_email=lead.email)
    log_in(page, rep.username, then="/today/")
    assert page.inner_text("h1") == "Today"
    tasks = page.inner_text("#today-tasks")
    assert tasks.index("Call Mona back") < tasks.index("Connect with Mona")  # overdue first
    screenshot(page, screenshots, "rep-day-today")

    page.click(f"#task-{overdue.pk} >> text=Done")
    page.wait_for_selector("#today-tasks >> text=Done: Call Mona back.")
    assert "Call Mona back" not in page.inner_text("#today-tasks ul")
    assert Task.objects.get(pk=overdue.pk).status == Task.Status.DONE

    page.click("#today-drafts >> text=Review the draft")
    page.wait_for_url(f"**/leads/{lead.pk}/#draft-editor")
    assert page.input_value("#draft-editor input[name=subject]") == "Mona, a faster first reply"
