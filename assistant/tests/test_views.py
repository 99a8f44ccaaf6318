"""The Assistant's pages: the full page and the panel, asking, the streamed answer, confirming an action."""

import pytest
from django.urls import reverse

from assistant import engine
from assistant.models import Conversation, Message, Notification, ProposedAction
from leads.models import ActivityLog
from outreach.models import Enrollment, Sequence


def test_the_page_needs_a_login_and_a_role(client, outsider_client):
    page = reverse("assistant:page")
    assert client.get(page).status_code == 302
    assert outsider_client.get(page).status_code == 403


def test_without_an_llm_the_page_says_so_and_offers_saved_searches(rep_client, settings):
    settings.LLM_PROVIDER = "none"
    page = rep_client.get(reverse("assistant:page")).content.decode()
    assert "No LLM is set up" in page and 'href="/review/"' in page


def test_asking_without_javascript_answers_and_shows_the_conversation(assistant_on, rep, rep_client, lead_factory):
    lead = lead_factory()
    ActivityLog.record(lead, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": "interested"})
    response = rep_client.post(reverse("assistant:ask"), {"question": "How many leads replied this week?"})
    conversation = Conversation.objects.get(user=rep)
    assert response.status_code == 302 and response["Location"] == conversation.get_absolute_url()
    page = rep_client.get(response["Location"]).content.decode()
    assert "How many leads replied this week?" in page and "total: 1" in page
    assert "What I looked up" in page and "Count events" in page


def test_an_htmx_question_gets_the_exchange_and_its_answer_streams(assistant_on, rep, rep_client, htmx_headers,
                                                                 lead_factory):
    lead_factory.create_batch(2)
    response = rep_client.post(reverse("assistant:ask"), {"question": "Show me the pipeline"}, **htmx_headers)
    body = response.content.decode()
    assert "<html" not in body and "data-stream=" in body
    answer = Message.objects.get(role=Message.Role.ASSISTANT)
    stream = rep_client.get(reverse("assistant:stream", args=[answer.pk]))
    assert stream["Content-Type"] == "text/event-stream"
    events = b"".join(stream.streaming_content).decode()
    assert "event: tool" in events and "pipeline_report" in events
    assert "event: text" in events and "event: done" in events
    answer.refresh_from_db()
    assert answer.status == Message.Status.DONE and "total leads: 2" in answer.text


def test_someone_elses_conversation_and_answer_are_not_found(assistant_on, rep, manager, manager_client):
    conversation = Conversation.objects.create(user=rep)
    answer = engine.start(conversation, "How many leads replied this week?")
    assert manager_client.get(conversation.get_absolute_url()).status_code == 404
    assert manager_client.get(reverse("assistant:stream", args=[answer.pk])).status_code == 404


def test_confirming_in_the_panel_runs_the_action_and_says_what_happened(assistant_on, rep, rep_client,
                                                                        htmx_headers, lead_factory):
    lead = lead_factory(company_name="Initech")
    Enrollment.objects.create(lead=lead, sequence=Sequence.objects.create(name="Onboarding"))
    rep_client.post(reverse("assistant:ask"), {"question": "Stop the sequences for Initech"})
    action = ProposedAction.objects.get()
    page = rep_client.get(action.message.conversation.get_absolute_url()).content.decode()
    assert "Stop the sequences of 1 lead" in page and reverse("assistant:confirm", args=[action.pk]) in page
    response = rep_client.post(reverse("assistant:confirm", args=[action.pk]), **htmx_headers)
    assert "Done: 1 sequence stopped" in response.content.decode()
    assert Enrollment.objects.get(lead=lead).status == Enrollment.Status.STOPPED


def test_another_user_cannot_confirm_an_action(assistant_on, rep, manager_client, lead_factory):
    lead_factory(company_name="Initech")
    action = ProposedAction.objects.create(user=rep, kind="stop_sequences", summary="Stop", lead_ids=[])
    assert manager_client.post(reverse("assistant:confirm", args=[action.pk])).status_code == 403
    action.refresh_from_db()
    assert action.status == ProposedAction.Status.PROPOSED


@pytest.mark.parametrize("page", ["leads:dashboard", "outreach:review"])
def test_every_staff_page_carries_the_panel_and_its_shortcut(rep_client, page):
    body = rep_client.get(reverse(page)).content.decode()
    assert 'id="assistant-panel"' in body and 'aria-keyshortcuts="Alt+K"' in body
    assert f'href="{reverse("assistant:page")}"' in body


def test_the_panel_shows_new_notifications_once(assistant_on, rep, rep_client, htmx_headers, lead_factory):
    lead = lead_factory(owner=rep, first_name="Ada", last_name="Byron", company_name="Analytical")
    Notification.objects.create(user=rep, lead=lead, kind=Notification.Kind.HOT_LEAD, text="New HOT lead: Ada Byron")
    assert "1 new notifications" in rep_client.get(reverse("leads:dashboard")).content.decode()
    panel = rep_client.get(reverse("assistant:panel"), **htmx_headers).content.decode()
    assert "New HOT lead: Ada Byron" in panel and "<html" not in panel
    assert "New HOT lead" not in rep_client.get(reverse("assistant:panel"), **htmx_headers).content.decode()


def test_a_conversation_opened_into_the_panel_gets_only_the_panel(assistant_on, rep, rep_client):
    conversation = Conversation.objects.create(user=rep, title="Replies")
    engine.ask(conversation, "How many leads replied this week?")
    body = rep_client.get(conversation.get_absolute_url(), HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="assistant-panel-content").content.decode()
    assert "<html" not in body and "How many leads replied this week?" in body and "Open full page" in body
