"""The lead timeline reads as sentences with links, never ids, codes, lists, booleans or MIME headers."""

import re

import pytest

from console.timeline_text import describe
from leads.models import ActivityLog
from outreach.models import EmailDraft

pytestmark = pytest.mark.django_db
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _timeline(html: str) -> str:
    return html.split('id="timeline"', 1)[1].split("</section>", 1)[0]


def test_a_sent_email_reads_as_a_sentence_that_links_to_the_email_and_the_email_can_be_read(rep_client, draft_factory):
    draft = draft_factory(state=EmailDraft.State.SENT)
    lead = draft.lead
    ActivityLog.record(lead, ActivityLog.Type.SCORED, payload={
        "run_id": "5a4a4a4a-1111-4111-8111-111111111111", "value": 82, "label": "HOT", "source": "rules",
        "version": 3, "action": "SEND_EMAIL", "reason": "VP with budget", "needs_approval": False})
    ActivityLog.record(lead, ActivityLog.Type.EMAIL_SENT, payload={
        "draft": str(draft.pk), "variant": "first_touch", "to": lead.email, "subject": draft.subject,
        "message_id": "<abc@leadops>", "mode": "mock", "message": "Content-Type: text/plain\nMIME-Version: 1.0\n\nHi"})
    ActivityLog.record(lead, ActivityLog.Type.STATUS_CHANGED, payload={"from": "QUALIFIED", "to": "CONTACTED"})
    html = rep_client.get(lead.get_absolute_url()).content.decode()
    timeline = _timeline(html)
    assert "Scored HOT at 82/100 by scoring v3. Next: send email: VP with budget." in timeline
    assert f"was sent to {lead.email} (mock mode: stored, not delivered)." in timeline
    assert "Status changed from Qualified to Contacted." in timeline
    assert f'href="#email-{draft.pk}"' in timeline
    for raw in ("MIME-Version", "SEND_EMAIL", "QUALIFIED", "message_id", "False", "True", "run_id", "["):
        assert raw not in timeline, raw
    assert not _UUID.search(timeline.replace(f"#email-{draft.pk}", ""))
    assert f'id="email-{draft.pk}"' in html and "Thanks for reaching out about lead routing" in html


def test_written_by_reads_as_words(rep_client, draft_factory):
    draft = draft_factory(generated_by=EmailDraft.GeneratedBy.PERSON)
    html = rep_client.get(draft.lead.get_absolute_url()).content.decode()
    assert "written by a person" in html and "written by Written" not in html


def test_owner_changes_tasks_and_pauses_read_as_sentences():
    Type = ActivityLog.Type
    assert describe(Type.OWNER_CHANGED, {"from": "", "to": "Rita Reyes", "reason": "round robin"}).sentence == (
        "Assigned to Rita Reyes: round robin.")
    assert describe(Type.OWNER_CHANGED, {"from": "Rita Reyes", "to": "Max", "reason": ""}).sentence == (
        "Owner changed from Rita Reyes to Max.")
    assert describe(Type.OWNER_CHANGED, {"from": "Max", "to": ""}).sentence == "Max is no longer the owner."
    created = describe(Type.TASK, {"event": "created", "task": 7, "kind": "CALL", "title": "Call Ada",
                                   "assignee": "rita-rep", "source": "PIPELINE", "due_at": None})
    assert created.sentence == "Call task “Call Ada” added for rita-rep."
    assert created.details == []
    assert describe(Type.TASK, {"event": "done", "kind": "CUSTOM", "title": "Send the deck"}).sentence == (
        "To-do “Send the deck” done.")
    assert describe(Type.SEQUENCE, {"event": "paused", "reason": "waiting for a call"}).sentence == (
        "Follow-ups paused: waiting for a call.")
