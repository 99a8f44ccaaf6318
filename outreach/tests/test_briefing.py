from django.utils import timezone

from conftest import LeadFactory
from leads.models import ActivityLog, Lead
from outreach import briefing, report_subscriptions
from outreach.models import EmailDraft
from outreach.tests.test_report_subscriptions import subscribed


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


def test_a_users_own_briefing_counts_only_the_leads_they_own(draft_factory, rep, manager):
    mine = draft_factory(lead=LeadFactory(owner=rep, score_label=Lead.Label.HOT)).lead
    draft_factory(lead=LeadFactory(owner=manager))
    ActivityLog.record(mine, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": "interested"})
    now = timezone.now()
    own = briefing.build_for(rep, now - timezone.timedelta(days=1), now)
    assert (own.new_leads, own.new_hot_leads, own.open_leads, own.drafts_waiting) == (1, 1, 1, 1)
    assert (own.replies, own.interested_replies) == (1, 1)


def test_a_subscribed_manager_gets_the_team_briefing_by_email(draft_factory, manager, rep, smtp_mode):
    _a_busy_day(draft_factory)
    subscribed(manager, ["team"])
    assert report_subscriptions.send_due() == 1
    [message] = smtp_mode.recorder.messages
    assert message["To"] == manager.email
    text = message.get_content()
    assert "New HOT leads:             1" in text and "Replies:                   2 (1 interested)" in text
