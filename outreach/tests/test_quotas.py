from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from outreach import sending, tasks
from outreach.models import EmailDraft

State = EmailDraft.State
UTC = ZoneInfo("UTC")
WEDNESDAY_10 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def _approved(draft_factory, **fields):  # type: ignore[no-untyped-def]
    return draft_factory(state=State.APPROVED, approved_at=timezone.now(), **fields)


def test_over_the_per_minute_quota_waits_for_the_next_minute_and_then_goes(draft_factory, settings):
    settings.SEND_PER_MINUTE = 2
    with time_machine.travel(WEDNESDAY_10, tick=False) as clock:
        drafts = [_approved(draft_factory) for _ in range(3)]
        assert [sending.send(draft.pk) for draft in drafts] == ["sent", "sent", "deferred"]
        late = EmailDraft.objects.get(pk=drafts[2].pk)
        assert late.state == State.APPROVED
        assert late.send_after == WEDNESDAY_10 + timedelta(minutes=1)
        assert late.deferred_reason == "Over the mailbox quota: 2 per minute"
        # Not due yet: the beat leaves it alone.
        tasks.send_due_drafts()
        assert EmailDraft.objects.get(pk=late.pk).state == State.APPROVED
        clock.shift(timedelta(seconds=61))
        tasks.send_due_drafts()
        assert EmailDraft.objects.get(pk=late.pk).state == State.SENT


def test_a_contact_gets_at_most_the_weekly_number_of_emails(draft_factory, settings):
    settings.SEND_PER_CONTACT_PER_WEEK = 2
    with time_machine.travel(WEDNESDAY_10, tick=False) as clock:
        first = _approved(draft_factory)
        lead = first.lead
        sending.send(first.pk)
        clock.shift(timedelta(days=2))
        second = _approved(draft_factory, lead=lead, variant=EmailDraft.Variant.FOLLOW_UP_1)
        assert sending.send(second.pk) == "sent"
        third = _approved(draft_factory, lead=lead, variant=EmailDraft.Variant.FOLLOW_UP_2)
        assert sending.send(third.pk) == "deferred"
        third.refresh_from_db()
        assert third.send_after == WEDNESDAY_10 + timedelta(days=7)
        assert third.deferred_reason == f"Over the contact quota: 2 per week to {lead.email}"


def test_a_recipient_domain_gets_at_most_the_daily_number_of_emails(draft_factory, lead_factory, settings):
    settings.SEND_PER_DOMAIN_PER_DAY = 1
    with time_machine.travel(WEDNESDAY_10, tick=False):
        first = _approved(draft_factory, lead=lead_factory(email="ana@globex.io"))
        second = _approved(draft_factory, lead=lead_factory(email="ben@globex.io"))
        other = _approved(draft_factory, lead=lead_factory(email="cy@initech.io"))
        assert [sending.send(d.pk) for d in (first, second, other)] == ["sent", "deferred", "sent"]
        second.refresh_from_db()
        assert second.deferred_reason == "Over the domain quota: 1 per day to @globex.io"


@pytest.mark.parametrize("now_in_berlin", [
    datetime(2026, 3, 7, 12, 0),   # Saturday noon
    datetime(2026, 3, 6, 17, 30),  # Friday after hours
])
def test_outside_the_send_window_it_waits_for_monday_morning_in_the_configured_timezone(
    draft_factory, settings, now_in_berlin
):
    settings.SEND_WINDOW_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.SEND_WINDOW_HOURS = "09:00-17:00"
    settings.SEND_TIMEZONE = "Europe/Berlin"
    settings.SEND_IN_RECIPIENT_TIMEZONE = False  # the team's zone for every recipient
    berlin = ZoneInfo("Europe/Berlin")
    with time_machine.travel(now_in_berlin.replace(tzinfo=berlin), tick=False):
        draft = _approved(draft_factory)
        assert sending.send(draft.pk) == "deferred"
    draft.refresh_from_db()
    assert draft.send_after == datetime(2026, 3, 9, 9, 0, tzinfo=berlin)
    assert draft.deferred_reason == "Outside the send window (mon,tue,wed,thu,fri 09:00-17:00 Europe/Berlin)"
    with time_machine.travel(datetime(2026, 3, 9, 9, 1, tzinfo=berlin), tick=False):
        tasks.send_due_drafts()
    draft.refresh_from_db()
    assert draft.state == State.SENT


def test_a_quota_slot_that_falls_outside_the_window_moves_to_the_next_opening(draft_factory, settings):
    settings.SEND_PER_MINUTE = 1
    settings.SEND_WINDOW_HOURS = "08:00-10:00"
    settings.SEND_IN_RECIPIENT_TIMEZONE = False
    with time_machine.travel(WEDNESDAY_10 - timedelta(seconds=30), tick=False):
        sent, waiting = _approved(draft_factory), _approved(draft_factory)
        assert [sending.send(d.pk) for d in (sent, waiting)] == ["sent", "deferred"]
    waiting.refresh_from_db()
    assert waiting.send_after == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
