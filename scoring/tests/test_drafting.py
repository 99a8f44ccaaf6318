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
        pain_point="Inbound leads wait days for a reply. Also more.",
    )

    email = drafting.render_variant(lead, "first_touch")

    assert email.subject == "Northwind Logistics and inbound leads wait days for a reply"
    assert email.body.startswith(
        "Hi Dana,\n\nThanks for reaching out about inbound leads wait days for a reply."
    )
    assert "Teams like Northwind Logistics in logistics" in email.body
    assert "As VP of Sales, you will want" in email.body
    assert email.body.endswith("Best regards,\nLeadOps")
    assert email.template_key == "first_touch"


@pytest.mark.parametrize("pain_point, short", [
    ("40 regional sales teams, no shared lead qualification, and leads from acquisitions never get worked",
     "40 regional sales teams, no shared lead qualification"),
    ("Our SDRs spend half their day researching leads instead of talking to them and to the buyers",
     "our SDRs spend half their day researching leads instead"),
    ("KYC-heavy onboarding", "KYC-heavy onboarding"),
])
def test_a_long_pain_point_is_cut_to_a_clause_that_reads_well(pain_point, short):
    assert drafting.short_pain_point(pain_point) == short


def test_missing_fields_fall_back_to_neutral_wording_and_optional_sentences_are_dropped():
    lead = LeadFactory.build(first_name="", company_name="", industry="", job_title="", pain_point="")

    email = drafting.render_variant(lead, "first_touch")

    assert email.body.startswith("Hi there,")
    assert "Teams like your team in your industry" in email.body
    assert "As " not in email.body
    assert email.subject == "Your team and lead follow-up"


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

    assert "Hi sender_name," in email.body
    assert "HYPERLINK" not in email.body and "your team" in email.body
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
