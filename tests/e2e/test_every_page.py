"""Every staff page in real Chromium, at 1366 px and on a 390 px phone: a screenshot of each in the test
output folder, axe-core's accessibility checks with no violation, and no page wider than the screen."""

import datetime
import json
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from leadops import runtime
from leads import lists, rep_tasks
from leads.models import AssignmentRule, ImportJob, Lead, Task
from outreach import approval
from outreach.models import EmailDraft, Sequence, SequenceStep
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
                widest = page.evaluate("""() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                    .slice(-3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))""")
                problems.append(f"{name} @390: the page is {width} px wide: {widest}")
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
    rep_tasks.create_task(vera, kind=Task.Kind.CALL, title="Call Vera about the pilot", assignee=manager,
                          due_at=timezone.now() - datetime.timedelta(hours=1))
    vera_list = lists.save_list("Open leads", manager, filters={"status": "open"}, shared=True)
    rule = AssignmentRule.objects.create(name="Inbound", cap=20)
    rule.reps.set([rep, manager])
    # The sequence designer, and an A/B step (an earlier transactional test may have flushed the seeded ones).
    default_sequence, _ = Sequence.objects.get_or_create(name="Default follow-up", defaults={"is_default": True})
    ab_step, _ = SequenceStep.objects.get_or_create(
        sequence=default_sequence, position=2,
        defaults={"variant": "follow_up_1", "template_keys": ["value_proposition", "demo_invite"]})

    for name, url in (
        ("today", "/today/"),
        ("today-team", "/today/?team=1"),
        ("lists", "/lists/"),
        ("list", f"/lists/{vera_list.pk}/"),
        ("assign-confirm", f"/leads/assign/?scope=all&owner={rep.pk}&query=status%3Dopen"),
        ("assignment-rules", "/settings/assignment-rules/"),
        ("dashboard", "/"),
        ("dashboard-search", "/?q=mosaichr"),
        ("lead", vera.get_absolute_url()),
        ("lead-new", "/leads/new/"),
        ("review", "/review/"),
        ("settings", "/settings/"),
        ("scoring-model", "/scoring/model/"),
        ("password", "/accounts/password_change/"),
        ("jobs", "/jobs/"),
        ("mailboxes", "/mailboxes/"),
        ("templates", "/templates/"),
        ("template-edit", "/templates/first_touch/"),
        ("template-new", "/templates/new/"),
        ("template-version", "/templates/first_touch/versions/1/"),
        ("sequences", "/sequences/"),
        ("sequence", f"/sequences/{default_sequence.pk}/"),
        ("sequence-step", f"/sequences/steps/{ab_step.pk}/"),
        ("api-tokens", "/settings/api-tokens/"),
        ("webhooks", "/settings/webhooks/"),
        ("website-forms", "/settings/forms/"),
        ("report-agent", "/reports/"),
        ("report-sequences", "/reports/sequences/"),
        ("report-funnel", "/reports/funnel/"),
        ("report-health", "/reports/health/"),
        ("report-emails", "/reports/emails/"),
        ("not-found", "/leads/00000000-0000-0000-0000-000000000000/"),
        ("assistant", "/assistant/"),
    ):
        page.goto(url)
        problems += _check(page, screenshots, name)
    # The assistant's panel, opened over a page with its keyboard shortcut.
    page.goto("/")
    page.keyboard.press("Alt+K")
    page.wait_for_selector("#assistant-panel:not([hidden]) textarea")
    problems += _check(page, screenshots, "assistant-panel")

    assert problems == [], "\n".join(problems)


def test_a_rep_finds_leads_by_any_part_pages_through_them_and_writes_a_new_email(page, rep, screenshots):
    from conftest import LeadFactory

    hugo = LeadFactory(first_name="Hugo", last_name="Hart", email="hugo.hart@mosaichr.io",
                       company_name="The HR Cloud Group", status=Lead.Status.QUALIFIED)
    for index in range(55):
        LeadFactory(first_name=f"Filler{index}")
    LeadFactory(first_name="Closed", last_name="Deal", status=Lead.Status.CLOSED_WON)
    draft = EmailDraft.objects.create(lead=hugo, subject="Routing at HR Cloud", body="Hi Hugo,\n\nA note.\n\nBest",
                                      to_email=hugo.email)
    approval.reject(draft, rep, "Too vague")
    log_in(page, rep.username)

    # Closed leads are not in the default list; paging says where you are and goes back.
    assert "Closed Deal" not in page.inner_text("#lead-table")
    assert "Page 1 of 2 · leads 1–50 of 56" in page.inner_text(".pager")
    page.click("text=Next page »")
    page.wait_for_selector("text=Page 2 of 2")
    page.click("text=‹ Previous page")
    page.wait_for_selector("text=Page 1 of 2")

    for term in ("HR Cloud", "mosaichr", "art"):
        page.fill("#search", term)
        page.wait_for_function(
            "t => new URL(location).searchParams.get('q') === t", arg=term)
        page.wait_for_selector("#lead-table >> text=Hugo Hart")
    screenshot(page, screenshots, "search-HR-Cloud")

    # The rejected draft is not a dead end: write a new one from its template.
    page.goto(hugo.get_absolute_url())
    assert "Too vague" in page.inner_text("#draft-editor")
    page.click("text=Write the email")
    page.wait_for_selector("#draft-editor >> text=ready for review")
    assert page.input_value("#draft-subject")
    assert hugo.drafts.filter(state=EmailDraft.State.DRAFT).count() == 1
    # The timeline names what happened in words and links to the email.
    timeline = page.inner_text("#timeline")
    assert "was rejected: Too vague." in timeline and "Read the email" in timeline
    screenshot(page, screenshots, "lead-after-new-email")

    # On a phone the navigation folds behind Menu, and the score and draft come before the timeline.
    page.set_viewport_size(PHONE)
    assert not page.is_visible("nav.mainnav")
    page.click("button.nav-toggle")
    assert page.is_visible("nav.mainnav >> text=Review")
    draft_top = page.locator("#draft-editor").bounding_box()["y"]
    assert draft_top < page.locator("#timeline").bounding_box()["y"]
    screenshot(page, screenshots, "lead-phone-menu-open")


def test_a_manager_sets_send_days_with_checkboxes_and_a_refused_edit_keeps_what_was_typed(page, manager):
    log_in(page, manager.username)
    page.goto("/settings/")
    page.uncheck("input[name=SEND_WINDOW_DAYS][value=fri]")
    page.click("text=Save settings")
    page.wait_for_selector("text=Saved: Send on these weekdays")
    assert "Friday" in page.inner_text("section:has(h2:text('Change log'))")
    assert runtime.get("SEND_WINDOW_DAYS") == ["mon", "tue", "wed", "thu"]

    page.fill("#w-seniority\\.vp", "lots")
    page.fill("#scoring-notes", "More VPs please")
    page.click("text=Save as new version")
    page.wait_for_selector("text=is not a number")
    assert page.input_value("#w-seniority\\.vp") == "lots"
    assert page.input_value("#scoring-notes") == "More VPs please"


def test_after_training_the_score_sort_and_badges_compare_like_with_like(page, rep, screenshots):
    from conftest import LeadFactory
    from scoring.models import ScoringConfig

    ScoringConfig.objects.update(is_active=False)
    ScoringConfig.objects.create(version=9, source=ScoringConfig.Source.LEARNED, is_active=True, weights={},
                                 thresholds={"hot": 20, "warm": 10})
    LeadFactory(first_name="Open", last_name="Hot", score_label="HOT", score_value=25, score_probability=0.25,
                score_version=9, status=Lead.Status.QUALIFIED)
    LeadFactory(first_name="Closed", last_name="Old", score_label="WARM", score_value=85, score_version=2,
                status=Lead.Status.CLOSED_WON)
    LeadFactory(first_name="Open", last_name="Cold", score_label="COLD", score_value=43, score_probability=0.43,
                score_version=9, status=Lead.Status.QUALIFIED)
    log_in(page, rep.username)
    page.select_option("#f-status", "all")
    page.wait_for_url(re.compile(r"status=all"))
    page.click("#lead-table th >> text=Score")
    page.wait_for_url(re.compile(r"sort=score"))
    page.wait_for_selector("th[aria-sort=descending] >> text=Score")
    names = page.locator("#lead-table tbody tr td[data-label=Name] strong").all_inner_texts()
    assert names == ["Open Hot", "Closed Old", "Open Cold"]
    table = page.inner_text("#lead-table")
    assert "25 %" in table and "85 pts" in table and "v9" in table and "v2" in table
    screenshot(page, screenshots, "dashboard-sorted-by-score-after-training")
    page.click("text=Open Hot")
    assert "25 % chance to convert" in page.inner_text("#score")


def test_the_scoring_model_and_settings_pages_with_a_learned_model_pass_axe_core_and_fit_a_phone(
        page, manager, screenshots):
    from scoring.learning.training import train
    from scoring.tests.outcome_data import create_leads_with_outcomes

    create_leads_with_outcomes(400)
    assert train().config is not None
    log_in(page, manager.username)
    problems: list[str] = []
    for name, url in (("scoring-model-learned", "/scoring/model/"), ("settings-learned", "/settings/"),
                      ("dashboard-learned", "/")):
        page.goto(url)
        problems += _check(page, screenshots, name)
    assert problems == [], "\n".join(problems)
