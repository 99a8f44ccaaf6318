"""The main journey in real Chromium: import, find a HOT lead, edit and send its email, record the
outcome, then tune the scoring as a manager with the preview. A screenshot of every page is kept."""

import re

import pytest

from leadops import runtime
from leads.models import Lead
from outreach.models import EmailDraft
from scoring.models import ScoringConfig
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "First name,Last name,Email,Company,Job title,Industry,Company size,Country,Budget,Urgency,Pain point\n"
ROWS = [
    # Clearly HOT: a VP at a mid-size software company with budget, urgency and a need (no manager gate).
    ("Vera,Vance,vera.vance@northwind-soft.com,Northwind Soft,VP of Sales,Software,201-500,US,$30k,high,"
     "Inbound leads wait two days for a first reply"),
    ("Hugo,Hart,hugo.hart@brightlane.io,Brightlane,Chief Revenue Officer,SaaS,51-200,GB,$25000,high,"
     "Our reps cannot tell good leads from bad ones"),
    # WARM and COLD for contrast.
    "Mia,Moss,mia.moss@tallpine.com,Tallpine,Sales Manager,Logistics,51-200,DE,,medium,",
    "Sam,Student,sam.student@gmail.com,,Student,,,,,,Doing a class project on CRMs",
    "Olga,Ops,olga@quietfield.net,Quietfield,Office Assistant,Retail,1-10,BR,,low,",
]


def test_a_rep_imports_finds_a_hot_lead_sends_the_email_and_a_manager_tunes_the_scoring(
    page, rep, manager, tmp_path, screenshots
):
    # Sending happens at once whatever day the test runs on.
    runtime.update({"SEND_WINDOW_DAYS": "mon,tue,wed,thu,fri,sat,sun", "SEND_WINDOW_HOURS": "00:00-24:00"})
    csv_file = tmp_path / "expo-leads.csv"
    csv_file.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")

    page.goto("/")
    screenshot(page, screenshots, "01-login")
    log_in(page, rep.username)
    assert page.inner_text(".kpi .value >> nth=0") == "0"  # fills the KPI cache before the import

    # Import a CSV and watch it finish.
    page.goto("/import/")
    screenshot(page, screenshots, "02-import")
    page.set_input_files("input[type=file]", str(csv_file))
    page.click("text=Upload and preview")
    page.wait_for_url(re.compile(r"/import/.+/preview/"))
    screenshot(page, screenshots, "03-import-preview")
    page.click("text=Start import")
    page.wait_for_selector("#job-progress >> text=Done")
    screenshot(page, screenshots, "04-import-done")
    assert Lead.objects.count() == len(ROWS)

    # Find a HOT lead with the dashboard filters: the table updates in place and the URL follows.
    page.goto("/")
    page.select_option("#f-label", "HOT")
    page.wait_for_url(re.compile(r"label=HOT"))
    page.wait_for_function("!document.querySelector('#lead-table').textContent.includes('Mia Moss')")
    table = page.inner_text("#lead-table")
    assert "Vera Vance" in table and "Hugo Hart" in table and "Sam Student" not in table
    # The KPIs were cached before the import; the person's own import shows in them at once.
    assert page.inner_text(".kpi-HOT .value") == "2"
    screenshot(page, screenshots, "05-dashboard-hot")
    page.go_back()
    page.wait_for_function("document.querySelector('#lead-table').textContent.includes('Mia Moss')")
    page.go_forward()
    page.click("#lead-table >> text=Vera Vance")

    # Edit the draft (saved without reload), then approve and send it (mock email).
    page.wait_for_selector("#draft-editor")
    page.fill("#draft-subject", "Faster replies for Northwind Soft")
    page.click("#draft-editor >> button:text-is('Save')")
    page.wait_for_selector("#draft-editor >> text=Saved.")
    lead = Lead.objects.get(email="vera.vance@northwind-soft.com")
    assert (EmailDraft.objects.get(lead=lead, state=EmailDraft.State.DRAFT).subject
            == "Faster replies for Northwind Soft")
    screenshot(page, screenshots, "06-lead-draft")
    page.click("text=Approve & send")
    page.wait_for_selector("#timeline >> text=Email sent")
    sent = EmailDraft.objects.get(lead=lead, state=EmailDraft.State.SENT)
    assert sent.subject == "Faster replies for Northwind Soft" and sent.sent_in_mock

    # Record the outcome.
    page.select_option("#outcome-choice", "booked_demo")
    page.fill("#outcome-notes", "Demo on Tuesday")
    page.click("text=Save outcome")
    page.wait_for_selector("#outcome >> text=Demo on Tuesday")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.MEETING_BOOKED
    screenshot(page, screenshots, "07-lead-outcome")

    page.goto("/review/")
    page.wait_for_selector("#review-list")
    screenshot(page, screenshots, "08-review-queue")
    assert page.goto("/leads/new/").ok
    screenshot(page, screenshots, "08b-new-lead")

    # As a manager: change a weight and see the preview before saving.
    page.click("text=Log out")
    log_in(page, manager.username)
    page.goto("/settings/")
    versions = ScoringConfig.objects.count()
    # High urgency counting against a lead drops both HOT leads to WARM.
    page.fill("input[name='weight:intent.urgency_high']", "-30")
    page.wait_for_selector("#preview >> text=2 would change label")
    preview = page.inner_text("#preview").lower()
    assert "with your edits" in preview
    assert ScoringConfig.objects.count() == versions  # nothing saved yet
    screenshot(page, screenshots, "09-settings-preview")
    page.click("text=Save as new version")
    page.wait_for_selector("text=Saved and activated")
    assert ScoringConfig.objects.get(is_active=True).weights["intent.urgency_high"] == -30
    assert page.goto("/scoring/model/").ok
    screenshot(page, screenshots, "10-scoring-model")
    page.goto("/")
    screenshot(page, screenshots, "11-dashboard-manager")
