"""Erasing a person reaches the assistant: its conversations, tool calls, proposed actions and notifications keep
nothing that names them (assistant.erasure, on leads.signals.person_erased)."""

from django.core import serializers

from assistant import engine, tools
from assistant.models import Conversation, Message, Notification, ProposedAction, ToolCall
from assistant.notifications import notify
from leads import erasure
from scoring.tests.fake_openai import Reply

# What the assistant may quote of the person, in any case.
TRACES = ("dana", "whitfield", "dana.whitfield@globex-logistics.com", "globex logistics", "ops analyst",
          "555 0142")


def _everything_the_assistant_keeps() -> str:
    rows = [*Conversation.objects.all(), *Message.objects.all(), *ToolCall.objects.all(),
            *ProposedAction.objects.all(), *Notification.objects.all()]
    return serializers.serialize("json", rows).lower()


def _talked_about(assistant_on, rep, lead_factory, conversation_of):  # type: ignore[no-untyped-def]
    """A lead the assistant looked up, answered about, proposed an action for and notified of."""
    lead = lead_factory(first_name="Dana", last_name="Whitfield", email="dana.whitfield@globex-logistics.com",
                        company_name="Globex Logistics", job_title="Ops analyst", phone="+1 415 555 0142")
    other = lead_factory(first_name="Lee", last_name="Park", company_name="Initech")
    assistant_on.then(Reply(tool_calls=[{"name": "lead_detail", "arguments": {"search": "Dana Whitfield"}}]),
                      Reply(content="Dana Whitfield (Ops analyst at Globex Logistics) wants a demo."))
    conversation = conversation_of(rep)
    conversation.title = "What did Dana Whitfield ask for?"
    conversation.save()
    engine.ask(conversation, "What did Dana Whitfield ask for? She wrote from dana.whitfield@globex-logistics.com "
                             "and left +1 415 555 0142.")
    outcome = tools.run("propose_follow_up", tools.Context(user=rep), {"search": "Whitfield"})
    assert "error" not in outcome.result, outcome.result
    notify(lead, Notification.Kind.HOT_LEAD, "New HOT lead: Dana Whitfield at Globex Logistics")
    notify(other, Notification.Kind.HOT_LEAD, "New HOT lead: Lee Park at Initech")
    return lead


def test_the_assistant_really_quotes_the_person_before_the_erasure(assistant_on, rep, lead_factory,
                                                                  conversation_of):
    _talked_about(assistant_on, rep, lead_factory, conversation_of)
    kept = _everything_the_assistant_keeps()
    assert all(trace in kept for trace in TRACES), [trace for trace in TRACES if trace not in kept]


def test_after_the_erasure_no_assistant_table_names_the_person(assistant_on, rep, manager, lead_factory,
                                                              conversation_of):
    lead = _talked_about(assistant_on, rep, lead_factory, conversation_of)
    erasure.erase(lead, actor=manager)
    kept = _everything_the_assistant_keeps()
    assert [trace for trace in TRACES if trace in kept] == []
    # What names no one stays: the conversation, its answer, the notice (scrubbed), and another lead's notice.
    assert Message.objects.filter(role=Message.Role.ASSISTANT, text__contains="wants a demo").exists()
    assert Notification.objects.filter(lead=lead, text__startswith="New HOT lead: ").exists()
    assert set(Notification.objects.exclude(lead=lead).values_list("text", flat=True)) == {
        "New HOT lead: Lee Park at Initech"}


def test_an_action_still_waiting_for_the_erased_person_is_cancelled(assistant_on, rep, manager, lead_factory,
                                                                   conversation_of):
    lead = _talked_about(assistant_on, rep, lead_factory, conversation_of)
    erasure.erase(lead, actor=manager)
    action = ProposedAction.objects.get()
    assert action.status == ProposedAction.Status.CANCELLED and "erased" in action.outcome
