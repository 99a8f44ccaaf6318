"""The send window in the recipient's time zone (their own, else their country's main one), with the public
holidays of their country when a manager asks for it, and steps that wait working days."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from leads.time_zones import COUNTRY_ZONES, zone_of
from outreach import approval, quotas, sending, tasks
from outreach.models import EmailDraft, Enrollment

State = EmailDraft.State
UTC, TOKYO, NEW_YORK = ZoneInfo("UTC"), ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _office_hours(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEND_WINDOW_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.SEND_WINDOW_HOURS = "09:00-17:00"
    settings.SEND_TIMEZONE = "UTC"


def test_a_step_for_a_lead_in_tokyo_waits_for_tokyo_office_hours(draft_factory, rep):
    monday_morning_tokyo = datetime(2026, 3, 2, 9, 30, tzinfo=TOKYO)
    with time_machine.travel(monday_morning_tokyo, tick=False):
        first = draft_factory(lead__country="JP", state=State.APPROVED, approved_at=timezone.now())
        assert sending.send(first.pk) == "sent"
    enrollment = Enrollment.objects.get(lead=first.lead)
    # Two Tokyo working days after the first touch.
    assert enrollment.next_due_at == datetime(2026, 3, 4, 9, 30, tzinfo=TOKYO)

    # The beat drafts the step in the evening in Tokyo (10:00 in London); the rep approves it at once.
    wednesday_evening_tokyo = datetime(2026, 3, 4, 19, 0, tzinfo=TOKYO)
    with time_machine.travel(wednesday_evening_tokyo, tick=False):
        assert tasks.draft_due_follow_ups() == 1
        step = first.lead.drafts.get(state=State.DRAFT)
        approval.approve(step, rep)
        assert sending.send(step.pk) == "deferred"
    step.refresh_from_db()
    assert step.send_after == datetime(2026, 3, 5, 9, 0, tzinfo=TOKYO)
    assert step.deferred_reason == "Outside the send window (mon,tue,wed,thu,fri 09:00-17:00 Asia/Tokyo)"

    with time_machine.travel(datetime(2026, 3, 5, 8, 59, tzinfo=TOKYO), tick=False):
        tasks.send_due_drafts()
    step.refresh_from_db()
    assert step.state == State.APPROVED
    with time_machine.travel(datetime(2026, 3, 5, 9, 1, tzinfo=TOKYO), tick=False):
        tasks.send_due_drafts()
    step.refresh_from_db()
    assert step.state == State.SENT and step.sent_at.astimezone(TOKYO).hour == 9


def test_the_leads_own_time_zone_wins_over_its_country(lead_factory):
    assert quotas.Window.for_lead(lead_factory(country="US", time_zone="Asia/Tokyo")).zone == TOKYO
    assert quotas.Window.for_lead(lead_factory(country="US")).zone == NEW_YORK


def test_a_lead_whose_zone_is_unknown_gets_the_teams_window(lead_factory, settings):
    settings.SEND_TIMEZONE = "Europe/Berlin"
    assert quotas.Window.for_lead(lead_factory(country="")).zone.key == "Europe/Berlin"


def test_the_teams_zone_for_everyone_when_the_recipients_zone_is_switched_off(lead_factory, settings):
    settings.SEND_IN_RECIPIENT_TIMEZONE = False
    assert quotas.Window.for_lead(lead_factory(country="JP")).zone == UTC


def test_every_country_has_a_zone_and_multi_zone_countries_get_their_main_one():
    from leads.countries import NAMES

    assert set(NAMES) == set(COUNTRY_ZONES)
    assert {code: zone_of("", code).key for code in ("US", "CA", "AU", "BR", "RU", "JP", "DE", "IN")} == {
        "US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney", "BR": "America/Sao_Paulo",
        "RU": "Europe/Moscow", "JP": "Asia/Tokyo", "DE": "Europe/Berlin", "IN": "Asia/Kolkata"}
    assert zone_of("Not/AZone", "jp") == TOKYO


def test_with_holidays_on_a_golden_week_email_waits_for_the_first_working_day_after_it(draft_factory, settings):
    settings.SEND_SKIP_HOLIDAYS = True
    greenery_day = datetime(2026, 5, 4, 10, 0, tzinfo=TOKYO)  # a Monday; Tuesday and Wednesday are holidays too
    with time_machine.travel(greenery_day, tick=False):
        draft = draft_factory(lead__country="JP", state=State.APPROVED, approved_at=timezone.now())
        assert sending.send(draft.pk) == "deferred"
    draft.refresh_from_db()
    assert draft.send_after == datetime(2026, 5, 7, 9, 0, tzinfo=TOKYO)


def test_without_holidays_a_holiday_is_a_working_day(draft_factory):
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=TOKYO), tick=False):
        draft = draft_factory(lead__country="JP", state=State.APPROVED, approved_at=timezone.now())
        assert sending.send(draft.pk) == "sent"


def test_working_days_skip_weekends_and_with_holidays_on_the_countrys_holidays(db, settings):
    window = quotas.Window.for_recipient("", "JP")
    friday = datetime(2026, 5, 1, 10, 0, tzinfo=TOKYO)
    assert window.after_working_days(friday, 1) == datetime(2026, 5, 4, 10, 0, tzinfo=TOKYO)
    settings.SEND_SKIP_HOLIDAYS = True
    window = quotas.Window.for_recipient("", "JP")
    assert window.after_working_days(friday, 1) == datetime(2026, 5, 7, 10, 0, tzinfo=TOKYO)
    assert quotas.is_holiday("JP", date(2026, 5, 5)) and not quotas.is_holiday("JP", date(2026, 5, 7))
    assert not quotas.is_holiday("ZZ", date(2026, 1, 1))  # no calendar for a code that is no country


def test_held_emails_are_released_per_recipient_zone(draft_factory):
    reason = f"{quotas.OUTSIDE_WINDOW} (earlier window)"
    later = datetime(2026, 3, 9, tzinfo=UTC)
    tokyo = draft_factory(lead__country="JP", state=State.APPROVED, send_after=later, deferred_reason=reason)
    new_york = draft_factory(lead__country="US", state=State.APPROVED, send_after=later, deferred_reason=reason)
    thursday_ten_tokyo = datetime(2026, 3, 5, 10, 0, tzinfo=TOKYO)  # Wednesday 20:00 in New York
    assert quotas.refresh_window_holds(thursday_ten_tokyo) == 1
    tokyo.refresh_from_db()
    new_york.refresh_from_db()
    assert tokyo.send_after == thursday_ten_tokyo
    assert new_york.send_after == datetime(2026, 3, 5, 9, 0, tzinfo=NEW_YORK)
    assert new_york.deferred_reason.endswith("America/New_York)")
    assert new_york.send_after - thursday_ten_tokyo == timedelta(hours=13)
