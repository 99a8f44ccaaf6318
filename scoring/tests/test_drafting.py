"""outreach.drafting: templates rendered for a lead, and the one open draft per lead and variant."""

import pytest

from conftest import LeadFactory
from outreach import drafting
from outreach.models import EmailDraft, Suppression

pytestmark = pytest.mark.django_db

VARIANTS = ["first_touch", "clarifying_question", "follow_up_1", "follow_up_2", "breakup"]


def test_a_first_touch_is_filled_from_the_lead():
    lead = LeadFactory.build(
        first_name="Dana",
        company_name="Northwind Logistics",
        industry="Logistics",
        job_title="VP of Sales",
        source="web_form",
        pain_point="Inbound leads wait days for a reply. Also more.",
    )

    email = drafting.render_variant(lead, "first_touch")

    assert email.subject == "Faster replies to new leads at Northwind Logistics"
    assert email.body.startswith(
        "Hi Dana,\n\nThank you for getting in touch through our website. Here is the challenge as we understood it: "
        "“Inbound leads wait days for a reply. Also more.”"
    )
    assert "In your role (VP of Sales) you will want" in email.body
    assert email.body.endswith("Best regards,\nLeadOps")
    assert email.template_key == "first_touch" and email.template_version == 1


def test_missing_fields_fall_back_to_neutral_wording_and_optional_sentences_are_dropped():
    lead = LeadFactory.build(first_name="", company_name="", industry="", job_title="", pain_point="",
                             source="web_form")

    email = drafting.render_variant(lead, "first_touch")

    assert email.body.startswith("Hello,\n\nThank you for getting in touch through our website.\n\n")
    assert "challenge" not in email.body and "In your role" not in email.body
    assert email.subject == "Faster replies to new leads"


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_template_ever_leaves_a_placeholder_even_for_an_empty_lead(variant):
    lead = LeadFactory.build(
        first_name="", last_name="", company_name="", industry="", job_title="", pain_point="", country=""
    )

    email = drafting.render_variant(lead, variant)

    for text in (email.subject, email.body):
        assert "{" not in text and "}" not in text and "[[" not in text


def test_what_a_lead_typed_is_never_read_as_template_syntax():
    lead = LeadFactory.build(
        first_name="{sender_name}",
        company_name='=HYPERLINK("http://evil")',
        job_title="[[if x]]Boss[[endif]]",
    )

    email = drafting.render_variant(lead, "first_touch")

    assert email.body.startswith("Hello,")
    assert "HYPERLINK" not in email.body
    assert "{" not in email.body and "[[" not in email.body


def test_clarifying_questions_are_merged_in():
    lead = LeadFactory.build(first_name="Sam")

    email = drafting.render_variant(lead, "clarifying_question", questions="- What is your role?")

    assert "- What is your role?" in email.body


def test_an_unknown_variant_is_refused_by_name():
    with pytest.raises(ValueError, match="no email template for variant 'newsletter'"):
        drafting.render_variant(LeadFactory.build(), "newsletter")


def test_saving_a_draft_supersedes_the_pending_one_and_never_leaves_two_open():
    lead = LeadFactory(needs_approval=True, approval_reason="Enterprise lead")
    first = drafting.save_draft(lead, "follow_up_1", drafting.render_variant(lead, "follow_up_1"))

    second = drafting.save_draft(lead, "follow_up_1", drafting.render_variant(lead, "follow_up_1"))

    first.refresh_from_db()
    assert first.state == EmailDraft.State.CANCELLED and first.rejection_reason == drafting.SUPERSEDED_REASON
    assert second.state == EmailDraft.State.DRAFT
    assert second.needs_approval is True and second.approval_reason == "Enterprise lead"
    assert EmailDraft.objects.filter(lead=lead, state__in=EmailDraft.OPEN_STATES).count() == 1


def test_an_approved_draft_is_not_superseded():
    lead = LeadFactory()
    approved = drafting.save_draft(lead, "first_touch", drafting.render_variant(lead, "first_touch"))
    EmailDraft.objects.filter(pk=approved.pk).update(state=EmailDraft.State.APPROVED)

    assert drafting.save_draft(lead, "first_touch", drafting.render_variant(lead, "first_touch")) is None
    assert EmailDraft.objects.filter(lead=lead).count() == 1


def test_no_draft_is_saved_for_a_suppressed_address_or_a_lead_without_one():
    suppressed = LeadFactory(email="gone@northwind.com")
    Suppression.objects.create(email="gone@northwind.com", reason=Suppression.Reason.UNSUBSCRIBED)
    no_address = LeadFactory(email="")

    for lead in (suppressed, no_address):
        assert drafting.save_draft(lead, "first_touch", drafting.render_variant(lead, "first_touch")) is None
    assert not EmailDraft.objects.exists()
