from django.urls import reverse

from outreach import report_subscriptions
from outreach.models import ReportSubscription
from outreach.tests.test_report_subscriptions import subscribed


def _weekly(**changes) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"cadence": "weekly", "weekly-enabled": "on", "weekly-sections": ["agent_performance", "team"],
            "weekly-hour": "8", "weekly-weekday": "0", "weekly-timezone": "Europe/Berlin", **changes}


def test_a_manager_chooses_what_the_weekly_email_holds_and_when(manager, manager_client):
    response = manager_client.post(reverse("reports:subscriptions"), _weekly())
    assert response.status_code == 302
    subscription = ReportSubscription.objects.get(user=manager, cadence="weekly")
    assert (subscription.sections, subscription.weekday, subscription.hour, subscription.timezone) == (
        ["agent_performance", "team"], 0, 8, "Europe/Berlin")
    page = manager_client.get(reverse("reports:subscriptions")).content.decode()
    assert "Saved: Mondays at 08:00 (Europe/Berlin)." in page


def test_a_rep_is_offered_only_their_own_leads_and_queue(rep, rep_client):
    page = rep_client.get(reverse("reports:subscriptions")).content.decode()
    assert "Your leads and your queue" in page and "Agent performance" not in page
    response = rep_client.post(reverse("reports:subscriptions"), _weekly(**{"weekly-sections": ["team"]}))
    assert response.status_code == 200
    assert "Select a valid choice. team is not one of the available choices." in response.content.decode()
    assert not ReportSubscription.objects.filter(user=rep).exists()


def test_switching_the_email_off_keeps_the_choices(manager, manager_client):
    manager_client.post(reverse("reports:subscriptions"), _weekly())
    manager_client.post(reverse("reports:subscriptions"), _weekly(**{"weekly-enabled": ""}))
    subscription = ReportSubscription.objects.get(user=manager, cadence="weekly")
    assert not subscription.enabled and subscription.sections == ["agent_performance", "team"]


def test_the_report_emails_page_needs_a_role(outsider_client, client):
    assert outsider_client.get(reverse("reports:subscriptions")).status_code == 403
    assert client.get(reverse("reports:subscriptions")).status_code == 302


def test_a_report_section_in_the_email_carries_the_reports_headline_figures(manager, smtp_mode):
    subscribed(manager, ["agent_performance", "system_health"])
    assert report_subscriptions.send_due() == 1
    text = smtp_mode.recorder.messages[0].get_content()
    assert "== Agent performance ==" in text and "Drafts approved unedited:" in text
    assert "== System health ==" in text and "/reports/health/" in text
