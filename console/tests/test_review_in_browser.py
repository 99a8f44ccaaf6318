"""The review queue and the draft editor in real Chromium: what a person sees when an action is refused."""

from collections.abc import Iterator

import pytest

from conftest import LeadFactory
from outreach.models import EmailDraft
from tests.e2e.browsing import chromium, log_in
from tests.e2e.conftest import page, screenshots  # noqa: F401  (page fixture and its helpers)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for this module only: closed before tests/e2e opens its session-wide one, as Playwright's
    sync API allows one running instance per thread."""
    with chromium() as started:
        yield started


BODY = "Hi there,\n\nA short note on how your team could follow up on inbound leads faster.\n\nBest"


def test_a_refused_approval_in_the_queue_shows_why_in_the_row(page, rep):  # noqa: F811
    lead = LeadFactory(first_name="Pia", last_name="Lead", score_label="HOT", score_value=90)
    draft = EmailDraft.objects.create(lead=lead, subject="Hello {first_name}", body=BODY, to_email=lead.email)
    log_in(page, rep.username)
    page.goto("/review/")

    page.click(f"#draft-{draft.pk} button.approve")

    page.wait_for_selector(f"#draft-{draft.pk} .message.error")
    assert "unresolved placeholders" in page.inner_text(f"#draft-{draft.pk} .message.error")
    assert page.is_hidden("#htmx-error")  # not the generic "Something went wrong (422)"
    assert EmailDraft.objects.get(pk=draft.pk).state == EmailDraft.State.DRAFT


def test_a_refused_approval_in_the_lead_page_editor_keeps_the_text_and_says_why(page, rep):  # noqa: F811
    lead = LeadFactory(first_name="Pia", last_name="Lead")
    EmailDraft.objects.create(lead=lead, subject="Hello Pia", body=BODY, to_email=lead.email)
    log_in(page, rep.username)
    page.goto(f"/leads/{lead.pk}/")

    page.fill("#draft-subject", "Hello [FIRST NAME]")
    page.click("#draft-editor button.primary")

    page.wait_for_selector("#draft-editor .message.error")
    assert "unresolved placeholders" in page.inner_text("#draft-editor .message.error")
    assert page.input_value("#draft-subject") == "Hello [FIRST NAME]"
    assert page.is_hidden("#htmx-error")
