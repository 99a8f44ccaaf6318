"""A sequence step's draft with the LLM on (the fake OpenAI server): written in the step's tone and length, the
template when the model's text fails a check, with the reason on the timeline."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from leads.models import ActivityLog
from outreach import sending, sequences
from outreach.models import EmailDraft, Enrollment
from scoring.tests.fake_openai import Reply, task_data

State = EmailDraft.State
SENT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def enrolled(draft_factory) -> Enrollment:  # type: ignore[no-untyped-def]
    with time_machine.travel(SENT_AT, tick=False):
        draft = draft_factory(state=State.APPROVED, approved_at=timezone.now())
        assert sending.send(draft.pk) == "sent"
    return Enrollment.objects.get(lead=draft.lead)


def _draft_step_two() -> EmailDraft:
    with time_machine.travel(SENT_AT + timedelta(days=2, hours=1), tick=False):
        [draft] = sequences.draft_due_steps()
    return draft


def test_the_llm_writes_the_step_in_its_tone_and_length(enrolled, llm_on):
    company = enrolled.lead.company_name
    llm_on.then(Reply(content={"subject": f"Faster replies at {company}",
                               "body": f"Slow replies to new leads cost {company} meetings. "
                                       "Would a short call next week help?"}))
    draft = _draft_step_two()
    assert draft.generated_by == EmailDraft.GeneratedBy.LLM and company in draft.body
    assert draft.template_key in ("value_proposition", "demo_invite")
    sent_guidance = task_data(llm_on.requests[-1])["guidance"]
    assert sent_guidance == "Tone: helpful, no pressure. Length: under 90 words."


def test_a_step_falls_back_to_its_template_when_the_fact_check_finds_an_invented_number(enrolled, llm_on):
    llm_on.then(Reply(content={"subject": "Faster replies", "body": "We cut reply times by 35% for teams like yours. "
                                                                    "Would a short call next week help?"}))
    draft = _draft_step_two()
    assert draft.generated_by == EmailDraft.GeneratedBy.TEMPLATE and "35%" not in draft.body
    drafted = enrolled.lead.activities.get(type=ActivityLog.Type.EMAIL_DRAFTED, payload__step=2)
    assert drafted.payload["llm_fallback"].startswith("fact check:")
