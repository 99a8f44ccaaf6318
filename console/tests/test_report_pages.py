import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from conftest import LeadFactory
from console import tasks
from console.reports import snapshots, stats
from leads.models import ActivityLog, Feedback, Lead
from outreach import approval
from outreach.models import EmailDraft, Enrollment, Sequence
from outreach.tests.conftest import BODY
from webhooks.models import Delivery, Endpoint

PAGES = ["reports:agent", "reports:sequences", "reports:funnel", "reports:health"]


@pytest.mark.parametrize("page", PAGES)
def test_a_manager_sees_each_report_with_its_period_picker_chart_and_export(manager_client, page):
    response = manager_client.get(reverse(page))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'name="period"' in text and "<svg" in text and "Download CSV" in text
    assert "figures as of" in text


@pytest.mark.parametrize("page", PAGES)
def test_reps_are_refused_the_reports(rep_client, page):
    assert rep_client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_the_reports_need_a_sign_in(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_an_htmx_request_gets_only_the_report_body(manager_client, htmx_headers):
    text = manager_client.get(reverse("reports:funnel"), {"period": "7d"}, **htmx_headers).content.decode()
    assert text.lstrip().startswith('<div id="report-body"') and "<html" not in text
    assert "Last 7 days: figures as of" in text


def _drafted(**fields) -> EmailDraft:  # type: ignore[no-untyped-def]
    lead = LeadFactory()
    return EmailDraft.objects.create(lead=lead, to_email=lead.email, subject="Acme and lead routing", body=BODY,
                                     original_subject="Acme and lead routing", original_body=BODY, **fields)


def _decided_drafts(manager) -> None:  # type: ignore[no-untyped-def]
    unedited = _drafted(drafted_by="llm", generated_by="llm", template_key="")
    edited = _drafted(drafted_by="template", template_key="first_touch_saas")
    rejected = _drafted(drafted_by="template", template_key="first_touch_saas")
    approval.approve(unedited, manager, send=False)
    approval.approve(edited, manager, subject="Acme and lead routing",
                     body=BODY.replace("Hi Dana", "Hello Dana") + " Thanks!", send=False)
    approval.reject(rejected, manager, "Wrong company name")


def test_agent_performance_splits_drafts_into_unedited_edited_and_rejected_with_words_changed(manager, manager_client):
    _decided_drafts(manager)
    edited = EmailDraft.objects.get(template_key="first_touch_saas", state=EmailDraft.State.APPROVED)
    assert edited.words_changed == 2  # "Hi" replaced, "Thanks!" added
    report = snapshots.compute("agent", "30d").report
    by_writer = {row[0]: row for row in report.tables[0].rows}
    assert by_writer["LLM"][1:5] == [1, 1, 0, 0]
    assert by_writer["Template"][1:5] == [2, 0, 1, 1] and by_writer["Template"][6] == 2.0
    assert ["Wrong company name", 1] in report.tables[3].rows
    text = manager_client.get(reverse("reports:agent")).content.decode()
    assert "Wrong company name" in text and "first_touch_saas" in text


def test_agent_performance_counts_the_time_to_first_touch(manager):
    lead = LeadFactory()
    EmailDraft.objects.create(lead=lead, subject="s", body="b", state=EmailDraft.State.SENT,
                              sent_at=lead.created_at + timedelta(minutes=30))
    LeadFactory()  # never emailed
    rows = {row[0]: row for row in snapshots.compute("agent", "7d").report.tables[-1].rows}
    assert rows["First email within an hour"][1] == 1 and rows["First email at all"][1] == 1
    assert rows["First email at all"][2].startswith("50.0 %")


def test_the_sequence_report_counts_sends_replies_by_intent_and_stops_per_step(db):
    sequence = Sequence.objects.get(is_default=True)
    first = sequence.steps.order_by("position").first()
    lead = LeadFactory()
    enrollment = Enrollment.objects.create(lead=lead, sequence=sequence, last_step_position=first.position)
    draft = EmailDraft.objects.create(lead=lead, subject="s", body="b", state=EmailDraft.State.SENT,
                                      sent_at=timezone.now(), sequence_step=first, enrollment=enrollment,
                                      template_key="follow_up_a")
    ActivityLog.record(lead, ActivityLog.Type.REPLY_RECEIVED, payload={"draft": str(draft.pk),
                                                                        "classification": "interested"})
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.STOPPED, stopped_at=timezone.now(),
                                                       stop_reason="opted out (unsubscribe link)")
    table = snapshots.compute("sequences", "30d").report.tables[0]
    row = next(row for row in table.rows if row[1].startswith(f"{first.position}."))
    named = dict(zip(table.columns, row))
    assert (named["Enrolled"], named["Sent"], named["Replies"], named["Interested"], named["Unsubscribes"]) == \
        (1, 1, 1, 1, 1)
    assert named["Reply rate, % (95 % CI)"].startswith("100.0 % (20.7")


def test_a_step_with_two_templates_shows_its_variants_side_by_side(db):
    sequence = Sequence.objects.get(is_default=True)
    step = sequence.steps.order_by("position").first()
    for key in ("variant_a", "variant_a", "variant_b"):
        EmailDraft.objects.create(lead=LeadFactory(), subject="s", body="b", state=EmailDraft.State.SENT,
                                  sent_at=timezone.now(), sequence_step=step, template_key=key)
    variants = snapshots.compute("sequences", "30d").report.tables[1].rows
    assert [(row[2], row[3]) for row in variants] == [("variant_a", 2), ("variant_b", 1)]


def test_the_funnel_follows_the_leads_that_arrived_by_source_and_calibrates_on_outcomes(db):
    won = LeadFactory(source=Lead.Source.REFERRAL, status=Lead.Status.CLOSED_WON, score_label="HOT", score_value=85,
                      score_probability=0.4)
    LeadFactory(source=Lead.Source.REFERRAL, status=Lead.Status.NEW, score_label="COLD", score_value=10)
    Feedback.objects.create(lead=won, outcome=Feedback.Outcome.CLOSED_WON)
    report = snapshots.compute("funnel", "30d").report
    referral = next(row for row in report.tables[0].rows if row[0] == "Referral")
    assert referral[1:6] == [2, 1, 1, 1, 1] and referral[7].startswith("50.0 %")
    calibration = {row[0]: row for row in report.tables[-1].rows}
    assert calibration["Score 80-100"][1:3] == [1, "40.0 %"] and calibration["Score 80-100"][3].startswith("100.0 %")


def test_system_health_shows_failing_webhooks_and_the_llm_state(manager_client):
    endpoint = Endpoint.objects.create(url="https://crm.example.com/hook", events=["lead.created"], secret="s")
    Delivery.objects.create(endpoint=endpoint, event="lead.created", body={}, state=Delivery.State.FAILED,
                            attempts=8, last_error="HTTP 500 from the receiver",
                            retry_until=timezone.now())
    text = manager_client.get(reverse("reports:health")).content.decode()
    assert "https://crm.example.com/hook" in text and "HTTP 500 from the receiver" in text
    assert "LLM circuit breaker: The LLM is off" in text


def test_a_report_page_serves_its_snapshot_until_it_is_five_minutes_old(manager_client):
    LeadFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        first = manager_client.get(reverse("reports:funnel")).content.decode()
        LeadFactory()
        traveller.shift(timedelta(minutes=4))
        cached = manager_client.get(reverse("reports:funnel")).content.decode()
        traveller.shift(timedelta(minutes=2))
        later = manager_client.get(reverse("reports:funnel")).content.decode()
    assert "Arrived: 1" in first and "Arrived: 1" in cached and "Arrived: 2" in later


def test_the_csv_export_holds_every_table_of_the_report(manager, manager_client):
    _decided_drafts(manager)
    response = manager_client.get(reverse("reports:csv", args=["agent"]), {"period": "90d"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["Agent performance", "Last 90 days"]
    assert ["By template"] in rows and ["Wrong company name", "1"] in rows
    assert 'filename="agent-90d-' in response["Content-Disposition"]


def test_the_csv_export_is_refused_to_reps(rep_client):
    assert rep_client.get(reverse("reports:csv", args=["agent"])).status_code == 403


def test_wilson_intervals_stay_inside_zero_and_one_hundred_percent():
    assert str(stats.wilson(0, 0)) == "–"
    none = stats.wilson(0, 5)
    assert none.low == 0 and 0.4 < none.high < 0.45
    assert str(stats.wilson(5, 10)) == "50.0 % (23.7–76.3)"


def test_beats_refresh_writes_every_report_and_period_so_pages_only_read_the_cache(manager_client):
    assert tasks.refresh_reports() == len(snapshots.REPORTS) * 4
    LeadFactory()  # arrives after the refresh: the page shows the refreshed snapshot, not a new computation
    text = manager_client.get(reverse("reports:funnel"), {"period": "365d"}).content.decode()
    assert "Arrived: 0" in text and "Last 12 months: figures as of" in text
