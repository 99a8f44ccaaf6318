"""The lead pages on a 390px-wide phone in real Chromium: nothing pushes the page sideways."""

from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import CompanyFactory, LeadFactory
from leads.importing import jobs
from leads.models import ActivityLog, ImportJob
from scoring.models import Trace
from tests.e2e.browsing import chromium, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("import_media", "no_qualification")]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def phone_browser() -> Iterator[object]:
    """Chromium for this module only: tests/e2e's session-wide browser is not visible from here, and a
    second Playwright alive next to it would fail, so this one is closed before those tests start."""
    with chromium() as started:
        yield started


@pytest.fixture
def page(phone_browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = phone_browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def _page_width(browser_page) -> int:  # type: ignore[no-untyped-def]
    return browser_page.evaluate("() => document.documentElement.scrollWidth")


def test_a_lead_with_a_long_email_and_pipeline_runs_fits_a_phone(page, manager):
    company = CompanyFactory(domain="meridianlearning-international.edu.au")
    lead = LeadFactory(email="maya.jones-fitzgerald@meridianlearning-international.edu.au", company=company)
    ActivityLog.record(lead, ActivityLog.Type.INGESTED, actor_label="import")
    Trace.objects.create(lead=lead, node_events=[
        {"node": "decide_next_action", "duration_ms": 0.1, "status": "ok",
         "summary": "SEND_EMAIL: HOT at 95/100: first-touch email; needs approval (Enterprise lead)"},
    ])
    log_in(page, manager.username)

    page.goto(lead.get_absolute_url())
    page.click("text=Technical details: pipeline runs")

    assert page.locator("text=decide_next_action").is_visible()
    assert _page_width(page) == PHONE["width"]


def test_the_import_preview_of_a_wide_file_fits_a_phone(page, rep):
    # Each column's select has a visually hidden label; absolutely positioned, they widened the page by
    # the table's full width instead of scrolling with it.
    header = ",".join(["Email"] + [f"Column with a long name {number}" for number in range(20)])
    content = f"{header}\nada@acme-industries.com{',x' * 20}\n".encode()
    job, _ = jobs.create_job(SimpleUploadedFile("wide.csv", content), source="import", on_duplicate="skip",
                             user=rep)
    assert job.status == ImportJob.Status.PENDING
    log_in(page, rep.username)

    page.goto(f"/import/{job.pk}/preview/")

    assert page.locator("text=Start import").is_visible()
    assert _page_width(page) == PHONE["width"]
