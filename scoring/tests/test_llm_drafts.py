"""LLM drafts that pass the schema but not a reader: placeholders, markers, prompt wording, echoed orders."""

import pytest

from outreach.models import EmailDraft
from scoring.models import Trace
from scoring.tests.fake_openai import Reply
from scoring.tests.test_pipeline_llm import qualified

pytestmark = pytest.mark.django_db

CALL = "Would a 20-minute call next week help to see how we would approach it?"


@pytest.mark.parametrize(
    "subject, body",
    [
        ("Faster replies at Northwind", f"I am [Your Name], [Your Position] at our company. {CALL}"),
        ("Faster replies at Northwind", f"[Lead's Name], you mentioned slow replies. {CALL}"),
        ("Faster replies at Northwind", f"You can reach me at [phone] or [email]. {CALL}"),
        ("Faster replies at Northwind", f"We saw your domain [email_domain] and your needs. {CALL}"),
        ("Assessing Lead for First Touch", f"Thank you for providing the lead data. I will assess it. {CALL}"),
        ("Faster replies at Northwind", f"Hi there! I'm Northwind Logistics and we need faster replies. {CALL}"),
    ],
)
def test_a_schema_valid_but_unusable_llm_draft_falls_back_to_the_template_with_the_reason(llm_on, subject, body):
    llm_on.then(Reply(), Reply(content={"subject": subject, "body": body}))

    lead = qualified()

    draft = EmailDraft.objects.get(lead=lead)
    assert draft.generated_by == EmailDraft.GeneratedBy.TEMPLATE
    assert "[" not in draft.subject + draft.body
    trace = Trace.objects.get(lead=lead)
    assert trace.fell_back is True
    draft_event = next(event for event in trace.node_events if event["node"] == "draft_email")
    assert draft_event["status"] == "fallback" and "unusable text" in draft_event["summary"]
    assert trace.llm_outputs[-1]["error"].startswith("unusable text")


def test_a_greeting_and_sign_off_the_model_added_anyway_are_cut_not_doubled(llm_on):
    llm_on.then(Reply(), Reply(content={"subject": "Faster replies at Northwind",
                                        "body": f"Dear [Name],\n\nYou mentioned slow replies. {CALL}\n\n"
                                                "Best regards,\n[Your Name]"}))

    lead = qualified()

    draft = EmailDraft.objects.get(lead=lead)
    assert draft.generated_by == EmailDraft.GeneratedBy.LLM
    assert draft.body == f"Hi Dana,\n\nYou mentioned slow replies. {CALL}\n\nBest regards,\nLeadOps"


def test_a_usable_llm_draft_is_kept(llm_on):
    lead = qualified()

    assert EmailDraft.objects.get(lead=lead).generated_by == EmailDraft.GeneratedBy.LLM
