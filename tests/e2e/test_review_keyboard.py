"""The review queue works from the keyboard in real Chromium: j/k move, e edits, a approves, x ticks."""

import pytest

from conftest import LeadFactory
from leadops import runtime
from outreach.models import EmailDraft
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BODY = "Hi there,\n\nA short note on how your team could follow up on inbound leads faster.\n\nBest"


def test_a_rep_works_the_review_queue_with_the_keyboard(page, rep, screenshots):
    runtime.update({"SEND_WINDOW_DAYS": "mon,tue,wed,thu,fri,sat,sun", "SEND_WINDOW_HOURS": "00:00-24:00"})
    drafts = {}
    for name, label, score in (("Hot", "HOT", 90), ("Warm", "WARM", 55), ("Cold", "COLD", 20)):
        lead = LeadFactory(first_name=name, last_name="Lead", score_label=label, score_value=score)
        drafts[name] = EmailDraft.objects.create(lead=lead, subject=f"Hello {name}", body=BODY, to_email=lead.email)
    log_in(page, rep.username)
    page.goto("/review/")
    assert page.get_attribute(".review-item.focused", "id") == f"draft-{drafts['Hot'].pk}"

    page.keyboard.press("j")
    assert page.get_attribute(".review-item.focused", "id") == f"draft-{drafts['Warm'].pk}"
    page.keyboard.press("e")  # opens the editor on the focused draft, cursor in the subject
    page.keyboard.press("End")
    page.keyboard.type(" (edited)")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.wait_for_selector(f"#draft-{drafts['Warm'].pk} >> text=Approved")
    warm = EmailDraft.objects.get(pk=drafts["Warm"].pk)
    assert warm.state == EmailDraft.State.SENT and warm.subject == "Hello Warm (edited)"

    page.keyboard.press("k")
    page.keyboard.press("x")  # tick Hot for bulk approve
    assert page.is_checked(f"#draft-{drafts['Hot'].pk} input[type=checkbox]")
    screenshot(page, screenshots, "12-review-keyboard")
    page.click("text=Approve ticked")
    page.wait_for_selector("text=Approved 1 draft")
    assert EmailDraft.objects.get(pk=drafts["Hot"].pk).state == EmailDraft.State.SENT
    assert EmailDraft.objects.get(pk=drafts["Cold"].pk).state == EmailDraft.State.DRAFT
