"""Every staff page in real Chromium, at 1366 px and on a 390 px phone: a screenshot of each in the test
output folder, axe-core's accessibility checks with no violation, and no page wider than the screen."""

import json
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from leadops import runtime
from leads.models import ImportJob, Lead
from outreach import approval
from outreach.models import EmailDraft
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDE, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
HEADER = "First name,Last name,Email,Company,Job title,Industry,Company size,Country,Budget,Urgency,Pain point\n"
ROWS = [
    "Vera,Vance,vera.vance@northwind-soft.com,Northwind Soft,VP of Sales,Software,201-500,US,$30k,high,"
    "Inbound leads wait two days for a first reply",
    "Hugo,Hart,hugo.hart@mosaichr.io,HR Cloud Mosaic,Chief Revenue Officer,SaaS,51-200,GB,$25000,high,"
    "Our reps cannot tell good leads from bad ones",
    "Mia,Moss,mia.moss@tallpine.com,Tallpine,Sales Manager,Logistics,51-200,DE,,medium,",
    "Sam,Student,sam.student@gmail.com,,Student,,,,,,Doing a class project on CRMs",
    ",,not-an-address,Broken Row,,,,,,,",
]
axe = Axe()


def _check(page, screenshots: Path, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Screenshots at both widths; what axe-core or the phone width found wrong, in words."""
    problems = []
    for label, viewport in (("1366", WIDE), ("390", PHONE)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(50)
        screenshot(page, screenshots, f"page-{name}-{label}")
        results = axe.run(page)
        for violation in results.response["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{name} @{label}: {violation['id']} ({violation['impact']}) {targets}")
        if label == "390":
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"{name} @390: the page is {width} px wide")
        (screenshots.parent / "axe").mkdir(exist_ok=True)
        (screenshots.parent / "axe" / f"{name}-{label}.json").write_text(
            json.dumps(results.response["violations"], indent=1))
    page.set_viewport_size(WIDE)
    return problems


def test_every_page_passes_axe_core_and_fits_a_phone(page, rep, manager, tmp_path, screenshots):
    runtime.update({"SEND_WINDOW_DAYS": "mon,tue,wed,thu,fri,sat,sun", "SEND_WINDOW_HOURS": "00:00-24:00"})
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    problems: list[str] = []

    page.goto("/accounts/login/")
    problems += _check(page, screenshots, "login")
    log_in(page, manager.username)
    page.goto("/import/")
    problems += _check(page, screenshots, "import")
    page.set_input_files("input[type=file]", str(csv_file))
    page.click("text=Upload and preview")
    page.wait_for_url(re.compile(r"/import/.+/preview/"))
    problems += _check(page, screenshots, "import-preview")
    page.click("text=Start import")
    page.wait_for_selector("#job-progress >> text=Done")
    problems += _check(page, screenshots, "import-job")

    vera = Lead.objects.get(email="vera.vance@northwind-soft.com")
    draft = vera.drafts.filter(state=EmailDraft.State.DRAFT).first()
    if draft is not None:
        approval.reject(draft, manager, "Too long for a first touch")
    assert ImportJob.objects.count() == 1

    for name, url in (
        ("dashboard", "/"),
        ("dashboard-search", "/?q=mosaichr"),
        ("lead", vera.get_absolute_url()),
        ("lead-new", "/leads/new/"),
        ("review", "/review/"),
        ("settings", "/settings/"),
        ("scoring-model", "/scoring/model/"),
        ("password", "/accounts/password_change/"),
        ("not-found", "/leads/00000000-0000-0000-0000-000000000000/"),
    ):
        page.goto(url)
        problems += _check(page, screenshots, name)

    assert problems == [], "\n".join(problems)
