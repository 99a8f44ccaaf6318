"""`POST /api/v1/drafts/{id}/send-now`: a manager's token sends an email the send window holds, as the UI's Send now."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from api.tests.test_api_v1_access import ALL, Api, _token
from outreach import sending
from outreach.models import EmailDraft

pytestmark = pytest.mark.django_db
State = EmailDraft.State
WEDNESDAY_7 = datetime(2026, 3, 4, 7, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def _always_open_send_window(settings) -> None:  # type: ignore[no-untyped-def]
    """Weekdays 08:00-18:00 UTC, so an email approved at 07:00 is held (in place of the always-open window)."""
    settings.SEND_WINDOW_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.SEND_WINDOW_HOURS = "08:00-18:00"
    settings.SEND_TIMEZONE = "UTC"
    settings.SEND_IN_RECIPIENT_TIMEZONE = False  # the window is UTC whatever country the lead is in


@pytest.fixture
def held(draft_factory):  # type: ignore[no-untyped-def]
    with time_machine.travel(WEDNESDAY_7, tick=False):
        draft = draft_factory(state=State.APPROVED, approved_at=WEDNESDAY_7)
        assert sending.send(draft.pk) == "deferred"
    draft.refresh_from_db()
    assert draft.send_after == WEDNESDAY_7 + timedelta(hours=1)
    return draft


def test_a_manager_token_sends_a_held_email_now_and_the_timeline_says_so(manager, held,
                                                                      django_capture_on_commit_callbacks):
    with time_machine.travel(WEDNESDAY_7, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = Api(_token(manager, ALL)).post(f"/drafts/{held.pk}/send-now")
    assert response.status_code == 202
    held.refresh_from_db()
    assert held.state == State.SENT and held.window_waived_by == manager
    assert held.lead.activities.filter(payload__note="Sent now, outside the send window").exists()


def test_a_rep_token_cannot_send_now_and_the_email_stays_held(rep, held):
    with time_machine.travel(WEDNESDAY_7, tick=False):
        response = Api(_token(rep, ALL)).post(f"/drafts/{held.pk}/send-now")
    assert response.status_code == 403
    assert "manager" in response.json()["errors"]["token"][0]
    held.refresh_from_db()
    assert held.state == State.APPROVED and held.window_waived_by is None


def test_a_manager_token_without_the_send_scope_cannot_send_now(manager, held):
    response = Api(_token(manager, ["read", "write"])).post(f"/drafts/{held.pk}/send-now")
    assert response.status_code == 403
    assert "'send' scope" in response.json()["errors"]["token"][0]
    assert EmailDraft.objects.get(pk=held.pk).window_waived_by is None


@pytest.mark.parametrize("state", [State.DRAFT, State.SENT, State.REJECTED])
def test_sending_now_an_email_that_is_not_waiting_to_be_sent_is_a_conflict(manager, draft_factory, state):
    draft = draft_factory(state=state)
    response = Api(_token(manager, ALL)).post(f"/drafts/{draft.pk}/send-now")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert EmailDraft.objects.get(pk=draft.pk).state == state
