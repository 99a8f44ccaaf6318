"""A manager edits a template in real Chromium: the picker puts a merge field at the cursor and the preview follows."""

import pytest

from conftest import LeadFactory
from outreach.models import EmailTemplate
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_inserts_a_merge_field_sees_the_preview_change_and_saves_a_version(page, manager, screenshots):
    dana = LeadFactory(first_name="Dana", company_name="Northwind Logistics", source="web_form",
                       email="dana@northwind.example")
    log_in(page, manager.username)
    page.goto(f"/templates/breakup/?preview_lead={dana.pk}")
    page.wait_for_selector("#template-preview >> text=Hi Dana,")

    page.fill("#id_body", "{{greeting}}\n\nA last note for ")
    page.click("#id_body")
    page.keyboard.press("End")
    page.click(".merge-picker button[data-insert='{{company_name}}']")
    page.keyboard.type(": I will stop here.\n\nBest regards,\n{{sender_name}}")
    page.wait_for_selector("#template-preview >> text=A last note for Northwind Logistics: I will stop here.")
    screenshot(page, screenshots, "template-editor")

    page.click("text=Save as a new version")
    page.wait_for_selector("text=as version 2")
    assert EmailTemplate.objects.get(key="breakup").body.startswith("{{greeting}}\n\nA last note for {{company_name}}:")
