"""A HOT lead or an interested reply is announced to the people it concerns, in the app and to a chat webhook."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.models import Notification
from leads.models import Lead
from outreach.signals import reply_received
from scoring.signals import leads_qualified


@pytest.fixture
def chat_webhook(settings):
    """A Slack-compatible incoming webhook on 127.0.0.1 that keeps what it was sent."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ASSISTANT_SLACK_WEBHOOK_URL = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield received
    server.shutdown()


def test_a_hot_lead_is_announced_to_its_owner_in_the_app_and_the_chat(rep, manager, lead_factory, chat_webhook,
                                                                       django_capture_on_commit_callbacks):
    lead = lead_factory(owner=rep, score_label=Lead.Label.HOT, first_name="Ada", last_name="Byron",
                        company_name="Analytical")
    cold = lead_factory(score_label=Lead.Label.COLD)
    with django_capture_on_commit_callbacks(execute=True):
        leads_qualified.send(sender=None, lead_ids=[lead.pk, cold.pk])
        leads_qualified.send(sender=None, lead_ids=[lead.pk])
    assert list(Notification.objects.values_list("user__username", "text")) == [
        (rep.username, "New HOT lead: Ada Byron at Analytical")]
    assert len(chat_webhook) == 1 and "New HOT lead: Ada Byron" in chat_webhook[0]["text"]


def test_an_interested_reply_from_an_unowned_lead_tells_every_rep_and_manager(rep, manager, lead_factory):
    lead = lead_factory(first_name="Grace", last_name="Hopper", company_name="Navy")
    reply_received.send(sender=None, lead_id=lead.pk, classification="not_interested")
    assert not Notification.objects.exists()
    reply_received.send(sender=None, lead_id=lead.pk, classification="interested")
    assert set(Notification.objects.values_list("user__username", flat=True)) == {rep.username, manager.username}
    assert Notification.objects.first().text == "Grace Hopper (Navy) replied interested"
