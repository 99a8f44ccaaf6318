"""A rep opens the assistant with its shortcut, asks, watches the answer arrive and confirms the proposed action."""

import pytest

from leads.models import ActivityLog, Lead
from outreach.models import Enrollment, Sequence
from scoring.tests.conftest import fake_llm, llm_on  # noqa: F401
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rep_asks_a_question_and_confirms_an_action_in_the_panel(page, rep, llm_on, settings,  # noqa: F811
                                                                    screenshots):
    from conftest import LeadFactory

    settings.ASSISTANT_TOOL_MODE = "native"
    lead = LeadFactory(first_name="Ines", last_name="Ito", company_name="Initech", status=Lead.Status.CONTACTED)
    Enrollment.objects.create(lead=lead, sequence=Sequence.objects.create(name="Onboarding"))
    ActivityLog.record(lead, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": "interested"})
    log_in(page, rep.username)

    page.keyboard.press("Alt+K")
    question = page.wait_for_selector("#assistant-panel:not([hidden]) textarea")
    question.fill("How many leads replied this week?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#assistant-panel >> text=total: 1")
    page.click("#assistant-panel >> text=What I looked up")
    assert "Count events" in page.inner_text("#assistant-panel")

    page.fill("#assistant-question", "Stop the sequences for Initech")
    page.keyboard.press("Enter")
    page.wait_for_selector("#assistant-panel >> text=Stop the sequences of 1 lead")
    assert Enrollment.objects.get(lead=lead).status == Enrollment.Status.ACTIVE
    screenshot(page, screenshots, "assistant-proposal")
    page.click("#assistant-panel >> button:has-text('Confirm')")
    page.wait_for_selector("#assistant-panel >> text=1 sequence stopped")
    assert Enrollment.objects.get(lead=lead).status == Enrollment.Status.STOPPED
    # The answer links to the lead it is about.
    page.click("#assistant-panel >> a:has-text('Ines Ito')")
    page.wait_for_url(lead.get_absolute_url())
