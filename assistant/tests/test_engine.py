"""The assistant's answers: tools run as the user, numbers come from their results, memory of "those leads"."""

import datetime

import jsonschema
import pytest
from django.utils import timezone

from assistant import engine, tools
from assistant.models import Message, ToolCall
from leads.models import ActivityLog, Lead
from scoring.tests.fake_openai import Reply


def _reply_from(lead: Lead, classification: str = "interested", days_ago: int = 0) -> None:
    event = ActivityLog.record(lead, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": classification})
    ActivityLog.objects.filter(pk=event.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))


def test_it_counts_the_replies_of_this_week_from_the_activity_log(assistant_on, rep, lead_factory, conversation_of):
    leads = lead_factory.create_batch(3)
    for lead in leads:
        _reply_from(lead)
    _reply_from(lead_factory(), days_ago=40)
    answer = engine.ask(conversation_of(rep), "How many leads replied this week?")
    call = ToolCall.objects.get(message=answer)
    assert call.name == "count_events" and call.result["total"] == 3
    assert "3" in answer.text and answer.unsupported == []
    assert answer.status == Message.Status.DONE


def test_a_figure_no_tool_gave_is_marked_unsupported(assistant_on, rep, lead_factory, conversation_of):
    _reply_from(lead_factory())
    assistant_on.then(Reply(tool_calls=[{"name": "count_events", "arguments": {"event": "replies"}}]),
                      Reply(content="You had 1 reply this week, up 40 percent on last week."))
    answer = engine.ask(conversation_of(rep), "How many leads replied this week?")
    assert answer.unsupported == ["40"]


def test_those_leads_are_the_leads_of_the_previous_answer(assistant_on, rep, lead_factory, conversation_of):
    events = lead_factory.create_batch(2, source=Lead.Source.EVENT, company_name="Globex")
    lead_factory(source=Lead.Source.REFERRAL)
    conversation = conversation_of(rep)
    first = engine.ask(conversation, "Which leads from the event haven't been contacted yet?")
    assert sorted(first.lead_ids) == sorted(str(lead.pk) for lead in events)
    engine.ask(conversation, "Stop the sequences of those leads")
    action = conversation.messages.last().actions.get()
    assert sorted(action.lead_ids) == sorted(str(lead.pk) for lead in events)


def test_the_model_never_sees_addresses_or_phone_numbers_unless_asked(assistant_on, rep, lead_factory,
                                                                      conversation_of):
    lead_factory(email="maria@globex.com", phone="+1 555 010 9999", company_name="Globex")
    engine.ask(conversation_of(rep), "What happened with that lead from Globex?")
    sent = str(assistant_on.requests)
    assert "maria@globex.com" not in sent and "555 010 9999" not in sent
    assert "globex.com" in sent
    engine.ask(conversation_of(rep), "What is the email address of the lead from Globex?")
    assert "maria@globex.com" in str(assistant_on.requests[-1])


def test_it_says_without_an_llm_that_it_cannot_answer(settings, rep, conversation_of):
    settings.LLM_PROVIDER = "none"
    answer = engine.ask(conversation_of(rep), "How many leads replied this week?")
    assert "needs an LLM" in answer.text and answer.mode == "none"


def test_tokens_and_cost_are_recorded_per_conversation(assistant_on, rep, lead_factory, conversation_of):
    conversation = conversation_of(rep)
    engine.ask(conversation, "Show me the pipeline")
    conversation.refresh_from_db()
    # Two calls (a tool call, then the answer), 120 + 40 tokens each by the fake's default usage.
    assert conversation.prompt_tokens == 240 and conversation.completion_tokens == 80
    assert conversation.cost_usd > 0


@pytest.mark.parametrize("mode", ["native", "json_schema"])
def test_both_tool_modes_answer_from_the_tools(assistant_on, settings, rep, lead_factory, conversation_of, mode):
    settings.ASSISTANT_TOOL_MODE = mode
    lead_factory.create_batch(2, score_label=Lead.Label.HOT, score_value=90, status=Lead.Status.QUALIFIED)
    answer = engine.ask(conversation_of(rep), "Which leads are most likely to convert?")
    assert answer.tool_calls.get().name == "search_leads"
    assert "matching: 2" in answer.text
    if mode == "json_schema":
        step = assistant_on.requests[0]["response_format"]
        assert "search_leads" in str(step) and "tools" not in assistant_on.requests[0]


def test_the_json_schema_step_is_a_valid_schema_that_holds_a_tool_to_its_arguments(db):
    schema = tools.step_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"tool": "count_events", "arguments": {"event": "replies", "period": "this_week"}})
    assert validator.is_valid({"tool": "answer"})
    assert not validator.is_valid({"tool": "count_events", "arguments": {"event": "mark_everyone_hot"}})
    assert not validator.is_valid({"tool": "set_score", "arguments": {}})


def test_a_named_period_wins_over_dates_the_model_made_up_beside_it(rep, lead_factory):
    for lead in lead_factory.create_batch(2):
        _reply_from(lead)
    _reply_from(lead_factory(), days_ago=400)
    # A small model's call for "this month": the period, plus dates from its own idea of the year.
    made_up = {"event": "replies", "period": "this_month", "since": "2023-10-01", "until": "2023-10-31"}
    outcome = tools.run("count_events", tools.Context(user=rep), made_up)
    month_start = timezone.localtime().replace(day=1).date().isoformat()
    assert outcome.result["total"] == 2 and outcome.result["from"] == month_start


def test_dates_alone_count_that_span_and_a_reversed_span_is_refused(rep, lead_factory):
    _reply_from(lead_factory(), days_ago=400)
    _reply_from(lead_factory())
    day = (timezone.localtime() - datetime.timedelta(days=400)).date()
    outcome = tools.run("count_events", tools.Context(user=rep),
                        {"event": "replies", "since": day.isoformat(), "until": day.isoformat()})
    assert outcome.result["total"] == 1
    reversed_span = tools.run("count_events", tools.Context(user=rep),
                              {"event": "replies", "since": "2026-02-01", "until": "2026-01-01"})
    assert "after the last" in reversed_span.result["error"]


def test_filters_a_small_model_invents_are_dropped_and_a_label_in_the_search_becomes_the_label(rep, lead_factory):
    hot = lead_factory.create_batch(2, score_label="HOT", score_value=80)
    lead_factory(score_label="COLD", score_value=10)
    invented = {"search": "HOT", "owner": "me", "created_within_days": 1, "industry": "Aerospace",
                "replied": "any"}
    outcome = tools.run("search_leads", tools.Context(user=rep, question="Show me the HOT leads"), invented)
    assert {row["id"] for row in outcome.result["leads"]} == {str(lead.pk) for lead in hot}


def test_filters_the_question_names_are_kept(rep, lead_factory):
    mine = lead_factory(score_label="HOT", score_value=80, owner=rep, source="referral")
    lead_factory(score_label="HOT", score_value=80, source="referral")
    asked = {"label": "HOT", "owner": "me", "source": "referral"}
    outcome = tools.run("search_leads", tools.Context(user=rep, question="Show me my HOT referral leads"), asked)
    assert [row["id"] for row in outcome.result["leads"]] == [str(mine.pk)]
