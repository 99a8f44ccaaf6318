"""The send window as it is now: held emails follow a changed window, and a manager can send one now."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from leadops import runtime
from outreach import approval, sending, tasks
from outreach.models import EmailDraft

pytestmark = pytest.mark.django_db
State = EmailDraft.State
UTC = ZoneInfo("UTC")
WEDNESDAY_7 = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _always_open_send_window(settings) -> None:  # type: ignore[no-untyped-def]
    """These tests are about the team's window: weekdays 08:00-18:00 UTC (in place of the package's always-open
    one), for every recipient (test_recipient_window.py has the recipient's own zone)."""
    settings.SEND_WINDOW_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.SEND_WINDOW_HOURS = "08:00-18:00"
    settings.SEND_TIMEZONE = "UTC"
    settings.SEND_IN_RECIPIENT_TIMEZONE = False


def _held_by_the_window(draft_factory):  # type: ignore[no-untyped-def]
    draft = draft_factory(state=State.APPROVED, approved_at=WEDNESDAY_7)
    assert sending.send(draft.pk) == "deferred"
    draft.refresh_from_db()
    assert draft.send_after == WEDNESDAY_7 + timedelta(hours=1)
    return draft


def test_an_email_held_by_the_window_goes_out_at_the_first_tick_after_the_window_opens(draft_factory):
    with time_machine.travel(WEDNESDAY_7, tick=False) as clock:
        draft = _held_by_the_window(draft_factory)
        clock.move_to(WEDNESDAY_7 + timedelta(hours=1, seconds=30))
        tasks.send_due_drafts()
        assert EmailDraft.objects.get(pk=draft.pk).state == State.SENT


def test_widening_the_window_releases_held_emails_at_the_next_tick(draft_factory, manager):
    with time_machine.travel(WEDNESDAY_7, tick=False):
        draft = _held_by_the_window(draft_factory)
        runtime.update({"SEND_WINDOW_HOURS": "06:00-18:00"}, user=manager)
        tasks.send_due_drafts()
        assert EmailDraft.objects.get(pk=draft.pk).state == State.SENT


def test_moving_the_window_re_times_and_re_words_a_held_email(draft_factory, manager):
    with time_machine.travel(WEDNESDAY_7, tick=False):
        draft = _held_by_the_window(draft_factory)
        runtime.update({"SEND_WINDOW_HOURS": "09:30-17:00"}, user=manager)
        tasks.send_due_drafts()
        draft.refresh_from_db()
        assert draft.state == State.APPROVED
        assert draft.send_after == WEDNESDAY_7 + timedelta(hours=2, minutes=30)
        assert draft.deferred_reason == "Outside the send window (mon,tue,wed,thu,fri 09:30-17:00 UTC)"


def test_a_manager_sends_a_held_email_now_and_the_timeline_says_so(draft_factory, manager,
                                                                  django_capture_on_commit_callbacks):
    with time_machine.travel(WEDNESDAY_7, tick=False):
        draft = _held_by_the_window(draft_factory)
        with django_capture_on_commit_callbacks(execute=True):
            approval.send_now(draft, manager)
        draft.refresh_from_db()
        assert draft.state == State.SENT and draft.window_waived_by == manager
        assert draft.lead.activities.filter(payload__note="Sent now, outside the send window").exists()


def test_sending_now_still_keeps_to_the_quotas(draft_factory, manager, settings, django_capture_on_commit_callbacks):
    settings.SEND_PER_CONTACT_PER_WEEK = 1
    with time_machine.travel(WEDNESDAY_7, tick=False):
        draft = _held_by_the_window(draft_factory)
        with django_capture_on_commit_callbacks(execute=True):
            approval.send_now(draft_factory(state=State.APPROVED, lead=draft.lead,
                                            variant=EmailDraft.Variant.FOLLOW_UP_1), manager)
        with django_capture_on_commit_callbacks(execute=True):
            approval.send_now(draft, manager)
        draft.refresh_from_db()
        assert draft.state == State.APPROVED
        assert draft.deferred_reason.startswith("Over the contact quota: 1 per week")


def test_a_rep_cannot_send_outside_the_window(draft_factory, rep):
    with time_machine.travel(WEDNESDAY_7, tick=False):
        draft = _held_by_the_window(draft_factory)
        with pytest.raises(PermissionDenied):
            approval.send_now(draft, rep)
        assert EmailDraft.objects.get(pk=draft.pk).state == State.APPROVED
