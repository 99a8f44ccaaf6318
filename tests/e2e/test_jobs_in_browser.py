"""Long jobs and held emails in real Chromium: an import followed live on a real worker, activation asked first
and followed to its end, a held email sent now. Screenshots at 1366 px and 390 px go to the test output folder."""

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import LeadFactory
from leadops.models import Job
from leads.models import Lead
from outreach.models import EmailDraft
from scoring.learning.training import train
from scoring.models import ScoringConfig
from scoring.tests.outcome_data import create_leads_with_outcomes
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _both_widths(browser_page, folder: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    screenshot(browser_page, folder, f"{name}-1366")
    browser_page.set_viewport_size(PHONE)
    screenshot(browser_page, folder, f"{name}-390")
    assert browser_page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    browser_page.set_viewport_size({"width": 1366, "height": 900})


def _leads_csv(path: Path, rows: int) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "Email", "Company", "Job Title", "Country"])
        for number in range(rows):
            writer.writerow([f"Ann{number}", "Lee", f"ann{number}@firm{number % 40}.com", f"Firm {number % 40}",
                             "VP of Sales", "Germany"])
    return path


def test_an_import_on_the_worker_shows_live_progress_and_is_found_again_on_the_jobs_page(
        page, rep, celery_worker, screenshots, tmp_path):  # noqa: F811
    log_in(page, rep.username)
    page.goto("/import/")
    page.set_input_files("input[type=file]", str(_leads_csv(tmp_path / "fair-leads.csv", 600)))
    page.click("button:has-text('Upload and preview')")
    page.click("button:has-text('Start import')")

    page.wait_for_selector("#job-progress")  # the request returned at once; the worker does the import
    page.wait_for_function("() => document.querySelector('#import-qualifying strong')?.innerText === 'Qualified'",
                           timeout=90_000)
    assert page.inner_text(".import-status") == "Done"
    assert "600 of 600 leads" in page.inner_text("#import-qualifying")
    _both_widths(page, screenshots, "import-done")
    unqualified = [(str(lead), lead.status, list(lead.activities.values_list("type", "payload")))
                   for lead in Lead.objects.filter(email__endswith=".com", qualified_at__isnull=True)]
    assert not unqualified, f"leads counted as qualified without a result: {unqualified}"

    page.click("nav.mainnav a:has-text('Jobs')")
    assert "Import of fair-leads.csv" in page.inner_text("#job-list")
    assert "Qualifying the imported leads" in page.inner_text("#job-list")
    _both_widths(page, screenshots, "jobs-page")


@pytest.fixture
def candidate(db) -> ScoringConfig:
    """A learned version that is not active (trained again on the same outcomes, it does not beat the first)."""
    create_leads_with_outcomes(300)
    LeadFactory.create_batch(12)  # open leads, re-scored when a version is activated
    assert train().activated
    config = train().config
    assert config is not None and not config.is_active
    return config


def test_activating_a_version_asks_first_with_the_open_lead_count_and_follows_the_re_score(
        page, manager, candidate, screenshots):  # noqa: F811
    open_leads = Lead.objects.filter(status__in=Lead.RESCORED_STATUSES).count()
    log_in(page, manager.username)
    page.goto("/scoring/model/")
    page.click(f"#candidate-version button:has-text('Activate v{candidate.version}')")

    page.wait_for_selector("#confirm-activation")
    assert f"{open_leads:,} open lead" in page.inner_text("#confirm-activation")
    assert not ScoringConfig.objects.get(pk=candidate.pk).is_active  # nothing happened yet
    _both_widths(page, screenshots, "activate-confirm")
    page.click("#confirm-activation button[type=submit]")

    page.wait_for_url("**/jobs/*/")
    page.wait_for_function("() => document.querySelector('.job-status')?.innerText === 'Done'")
    assert f"{open_leads:,} of {open_leads:,} leads" in page.inner_text(".job-count")
    assert Job.objects.get(kind=Job.Kind.RESCORE, subject=f"scoring:v{candidate.version}").status == Job.Status.DONE
    assert ScoringConfig.objects.get(pk=candidate.pk).is_active
    _both_widths(page, screenshots, "rescore-done")


def test_a_manager_sends_an_email_held_by_the_window_now(page, manager, screenshots):  # noqa: F811
    lead = LeadFactory(first_name="Hana", last_name="Held")
    draft = EmailDraft.objects.create(
        lead=lead, subject="Lead routing at Acme", to_email=lead.email, state=EmailDraft.State.APPROVED,
        body="Hi Hana,\n\nA short note on faster follow-up of inbound leads.\n\nBest", approved_at=timezone.now(),
        send_after=timezone.now() + timedelta(hours=14),
        deferred_reason="Outside the send window (mon,tue,wed,thu,fri 08:00-18:00 UTC)")
    log_in(page, manager.username)
    page.goto(f"/leads/{lead.pk}/")
    assert "Outside the send window" in page.inner_text("#draft-editor")
    _both_widths(page, screenshots, "held-email")

    page.click(".send-now button")

    page.wait_for_selector(".messages .message")
    assert "Sent" in page.inner_text(".messages")
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.SENT and draft.window_waived_by == manager
