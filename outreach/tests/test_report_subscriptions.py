from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from outreach import report_subscriptions
from outreach.models import ReportSubscription

BERLIN = ZoneInfo("Europe/Berlin")


def subscribed(user, sections: list[str], **options) -> ReportSubscription:  # type: ignore[no-untyped-def]
    """A daily subscription at this hour, made two days ago, so its email is due now."""
    now = timezone.now().astimezone(ZoneInfo("UTC"))
    subscription = report_subscriptions.subscribe(
        user, sections=sections, cadence=options.pop("cadence", "daily"), hour=options.pop("hour", now.hour),
        timezone_name=options.pop("timezone_name", "UTC"), **options)
    ReportSubscription.objects.filter(pk=subscription.pk).update(created_at=now - timedelta(days=2))
    subscription.refresh_from_db()
    return subscription


def test_a_daily_email_goes_once_at_its_hour_in_the_subscribers_time_zone(manager, smtp_mode):
    subscription = report_subscriptions.subscribe(manager, sections=["team"], cadence="daily", hour=7,
                                                  timezone_name="Europe/Berlin")
    ReportSubscription.objects.filter(pk=subscription.pk).update(
        created_at=datetime(2026, 12, 1, 12, tzinfo=BERLIN))

    assert report_subscriptions.send_due(datetime(2026, 12, 2, 6, 55, tzinfo=BERLIN)) == 0
    assert report_subscriptions.send_due(datetime(2026, 12, 2, 7, 5, tzinfo=BERLIN)) == 1
    assert report_subscriptions.send_due(datetime(2026, 12, 2, 7, 10, tzinfo=BERLIN)) == 0
    assert report_subscriptions.send_due(datetime(2026, 12, 3, 7, 0, tzinfo=BERLIN)) == 1
    [first, second] = smtp_mode.recorder.messages
    assert first["Subject"] == "LeadOps daily report, Wed 02 Dec"
    assert "== The team's numbers ==" in first.get_content()


def test_a_new_subscription_waits_for_its_first_hour_instead_of_sending_at_once(manager, smtp_mode):
    now = timezone.now()
    report_subscriptions.subscribe(manager, sections=["team"], cadence="daily", hour=now.hour, timezone_name="UTC")
    assert report_subscriptions.send_due(now + timedelta(minutes=1)) == 0
    assert report_subscriptions.send_due(now + timedelta(days=1)) == 1


def test_a_weekly_email_goes_only_on_its_weekday_and_a_missed_week_sends_one(manager, smtp_mode):
    subscription = report_subscriptions.subscribe(manager, sections=["team"], cadence="weekly", weekday=0, hour=9,
                                                  timezone_name="UTC")
    ReportSubscription.objects.filter(pk=subscription.pk).update(
        created_at=datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC")))
    # 2026-11-30 is a Monday.
    assert report_subscriptions.send_due(datetime(2026, 11, 30, 9, 5, tzinfo=ZoneInfo("UTC"))) == 1
    assert report_subscriptions.send_due(datetime(2026, 12, 4, 9, tzinfo=ZoneInfo("UTC"))) == 0
    assert report_subscriptions.send_due(datetime(2026, 12, 7, 8, 59, tzinfo=ZoneInfo("UTC"))) == 0
    # Beat was down for two Mondays: one email on its return, not two.
    assert report_subscriptions.send_due(datetime(2026, 12, 22, 10, tzinfo=ZoneInfo("UTC"))) == 1
    assert report_subscriptions.send_due(datetime(2026, 12, 22, 10, 5, tzinfo=ZoneInfo("UTC"))) == 0
    assert "weekly report" in smtp_mode.recorder.messages[-1]["Subject"]


def test_a_rep_may_have_their_own_leads_emailed_but_not_the_teams_figures(rep, smtp_mode):
    with pytest.raises(ValidationError) as refused:
        report_subscriptions.subscribe(rep, sections=["team", "own_work"], cadence="daily", hour=8)
    assert "The team's numbers cannot be in your email" in refused.value.message_dict["sections"][0]

    subscribed(rep, ["own_work"])
    assert report_subscriptions.send_due() == 1
    text = smtp_mode.recorder.messages[0].get_content()
    assert "== Your leads and your queue ==" in text and "Your drafts waiting:       0" in text


def test_subscribing_again_changes_the_email_instead_of_adding_a_second(manager):
    report_subscriptions.subscribe(manager, sections=["team"], cadence="daily", hour=7)
    report_subscriptions.subscribe(manager, sections=["own_work", "team"], cadence="daily", hour=18)
    [subscription] = ReportSubscription.objects.filter(user=manager)
    assert (subscription.sections, subscription.hour) == (["own_work", "team"], 18)


@pytest.mark.parametrize(("options", "field", "says"), [
    ({"hour": 24}, "hour", "Hour: 24 is not an hour"),
    ({"timezone_name": "Mars/Olympus"}, "timezone", "'Mars/Olympus' is not a time zone"),
    ({"cadence": "weekly"}, "weekday", "a weekly email needs Monday to Sunday"),
    ({"cadence": "hourly"}, "cadence", "'hourly' is neither daily nor weekly"),
    ({"sections": []}, "sections", "choose at least one"),
])
def test_a_refused_subscription_names_the_field_and_the_value(manager, options, field, says):
    arguments = {"sections": ["team"], "cadence": "daily", "hour": 7, **options}
    with pytest.raises(ValidationError) as refused:
        report_subscriptions.subscribe(manager, **arguments)
    assert says in refused.value.message_dict[field][0]


def test_in_mock_mode_the_report_is_logged_not_sent(manager, smtp_server, caplog):
    caplog.set_level("INFO", logger="outreach.report_subscriptions")
    subscribed(manager, ["team"])
    assert report_subscriptions.send_due() == 1
    assert smtp_server.recorder.messages == []
    assert "Scheduled report (mock mode, not sent)" in caplog.text


def test_a_disabled_subscription_or_a_user_without_an_address_gets_nothing(manager, rep, smtp_mode):
    subscribed(manager, ["team"], enabled=False)
    subscribed(rep, ["own_work"])
    rep.email = ""
    rep.save()
    assert report_subscriptions.send_due() == 0
