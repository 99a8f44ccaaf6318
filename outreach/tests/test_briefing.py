from django.utils import timezone

from conftest import LeadFactory
from leads.models import ActivityLog, Lead
from outreach import briefing
from outreach.models import EmailDraft


def _a_busy_day(draft_factory) -> None:  # type: ignore[no-untyped-def]
    LeadFactory(score_label=Lead.Label.HOT)
    LeadFactory(score_label=Lead.Label.WARM)
    draft_factory()
    draft_factory(needs_approval=True)
    sent = draft_factory(state=EmailDraft.State.SENT, sent_at=timezone.now())
    ActivityLog.record(sent.lead, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": "interested"})
    ActivityLog.record(sent.lead, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": "not_now"})
    ActivityLog.record(sent.lead, ActivityLog.Type.BOUNCED, payload={"hard": True})


def test_the_briefing_counts_the_last_day(draft_factory):
    _a_busy_day(draft_factory)
    numbers = briefing.build()
    # The factories' leads have no label; the HOT one is the only new HOT lead.
    assert (numbers.new_hot_leads, numbers.drafts_waiting, numbers.drafts_waiting_for_manager) == (1, 2, 1)
    assert (numbers.sends, numbers.replies, numbers.interested_replies, numbers.bounces) == (1, 2, 1, 1)


def test_managers_get_the_briefing_by_email_once_a_day(draft_factory, manager, rep, smtp_mode):
    _a_busy_day(draft_factory)
    assert briefing.send_briefing() == 1
    assert briefing.send_briefing() == 0
    [message] = smtp_mode.recorder.messages
    assert message["To"] == manager.email
    text = message.get_content()
    assert "New HOT leads:             1" in text and "Replies:                   2 (1 interested)" in text


def test_in_mock_mode_the_briefing_is_logged_not_sent(draft_factory, manager, smtp_server, caplog):
    caplog.set_level("INFO", logger="outreach.briefing")
    assert briefing.send_briefing() == 1
    assert smtp_server.recorder.messages == []
    assert "Daily briefing (mock mode, not sent)" in caplog.text
