"""The lead page: profile, score factors, draft editor actions, timeline, outcomes and pipeline runs."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from conftest import CompanyFactory, LeadFactory
from leads.models import ActivityLog, Feedback, Lead
from outreach.models import EmailDraft
from scoring.models import Trace

pytestmark = pytest.mark.django_db


# Inside the default send window (Mon-Fri 08:00-18:00 UTC), so an approved email goes out at once.
TUESDAY_MORNING = datetime.datetime(2026, 11, 17, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def in_send_window():
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        yield


@pytest.fixture
def scored_lead() -> Lead:
    company = CompanyFactory(domain="acme-industries.com", name="Acme Industries")
    lead = LeadFactory(
        first_name="Ada", last_name="Lovelace", email="ada@acme-industries.com", company=company,
        status=Lead.Status.QUALIFIED, score_label=Lead.Label.HOT, score_value=82,
        score_factors=[{"factor": "VP title", "points": 20}, {"factor": "Free mail domain", "points": -10},
                       {"factor": "Starting score", "points": 10}],
        recommended_action=Lead.Action.SEND_EMAIL, decision_reason="HOT lead with a clear need",
        enrichment={"seniority": "vp"},
    )
    LeadFactory(first_name="Earlier", last_name="Contact", company=company, status=Lead.Status.CLOSED_WON)
    ActivityLog.record(lead, ActivityLog.Type.INGESTED, actor_label="import")
    Trace.objects.create(lead=lead, node_events=[
        {"node": "score_lead", "duration_ms": 1.5, "status": "ok", "summary": "HOT 82"},
        {"node": "draft_email", "duration_ms": 820.0, "status": "ok", "summary": "first touch"},
    ], used_llm=True, llm_model="gpt-4o-mini", prompt_tokens=400, completion_tokens=120, duration_ms=830)
    return lead


@pytest.fixture
def draft(scored_lead: Lead) -> EmailDraft:
    return EmailDraft.objects.create(lead=scored_lead, subject="Quick idea for Acme",
                                     body="Hi Ada,\n\nA short note about how Acme could qualify inbound leads "
                                          "faster.\n\nBest",
                                     to_email=scored_lead.email)


def test_the_lead_page_shows_profile_factors_history_timeline_and_runs(rep_client, scored_lead, draft):
    response = rep_client.get(f"/leads/{scored_lead.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "ada@acme-industries.com" in html
    assert "VP title" in html and "+20" in html and "-10" in html  # signed factor bars
    assert 'class="minus"' in html and 'class="plus"' in html
    assert "HOT lead with a clear need" in html
    assert "Earlier Contact" in html  # company history
    assert "Quick idea for Acme" in html  # draft editor
    assert "Ingested" in html  # timeline
    # Node names and milliseconds are a manager's, folded under technical details.
    assert "score_lead" not in html and "shown to managers" in html


def test_a_manager_finds_the_pipeline_runs_folded_under_technical_details(manager_client, scored_lead):
    html = manager_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert '<details class="technical"><summary><h2>Technical details: pipeline runs</h2>' in html
    assert "score_lead" in html and "820.0 ms" in html and "520 tokens" in html


def test_the_lead_page_needs_login(client, scored_lead):
    response = client.get(f"/leads/{scored_lead.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_user_without_a_role_cannot_open_a_lead(outsider_client, scored_lead):
    assert outsider_client.get(f"/leads/{scored_lead.pk}/").status_code == 403


def test_an_unknown_lead_is_a_404(rep_client):
    assert rep_client.get("/leads/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_an_htmx_poll_of_the_timeline_gets_only_the_timeline(rep_client, scored_lead, htmx_headers):
    response = rep_client.get(f"/leads/{scored_lead.pk}/", HTTP_HX_TARGET="timeline", **htmx_headers)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="timeline"')
    assert "<html" not in html and "Profile" not in html


def test_a_long_timeline_opens_with_the_newest_and_shows_older_activity_on_request(
    rep_client, scored_lead, htmx_headers
):
    for index in range(40):
        ActivityLog.record(scored_lead, ActivityLog.Type.NOTE, payload={"text": f"call note {index:02d}"})
    page = rep_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert "call note 39" in page and "call note 10" not in page
    assert "?timeline=all" in page and "Show older activity" in page
    everything = rep_client.get(f"/leads/{scored_lead.pk}/?timeline=all").content.decode()
    assert "call note 00" in everything and "Show older activity" not in everything
    partial = rep_client.get(f"/leads/{scored_lead.pk}/?timeline=all", HTTP_HX_TARGET="timeline", **htmx_headers)
    html = partial.content.decode()
    assert "call note 00" in html and "Profile" not in html


def test_the_page_costs_the_same_few_queries_however_long_the_history(
    rep_client, scored_lead, draft, django_assert_max_num_queries
):
    for index in range(30):
        ActivityLog.record(scored_lead, ActivityLog.Type.NOTE, actor=draft.lead.owner, payload={"n": index})
        Trace.objects.create(lead=scored_lead, node_events=[{"node": "score_lead", "duration_ms": 1, "status": "ok"}])
        Feedback.objects.create(lead=scored_lead, outcome=Feedback.Outcome.NO_RESPONSE)
    # Once, so the cached templates and run-time settings are read as a running server has them.
    rep_client.get(f"/leads/{scored_lead.pk}/")
    with django_assert_max_num_queries(12):
        rep_client.get(f"/leads/{scored_lead.pk}/")


def test_saving_the_draft_without_reload_returns_the_editor_and_keeps_the_edit(
    rep_client, draft, htmx_headers
):
    response = rep_client.post(f"/drafts/{draft.pk}/save/", {"subject": "Better subject", "body": "New body"},
                               HTTP_HX_TARGET="draft-editor", **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="draft-editor"' in html and "<html" not in html
    assert "Saved." in html
    draft.refresh_from_db()
    assert (draft.subject, draft.body) == ("Better subject", "New body")


def test_approving_sends_the_mock_email_and_the_timeline_shows_it(
    rep_client, draft, htmx_headers, in_send_window, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post(f"/drafts/{draft.pk}/approve/", {"subject": "Edited", "body": draft.body},
                                   **htmx_headers)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.SENT and draft.subject == "Edited"
    timeline = rep_client.get(f"/leads/{draft.lead_id}/", HTTP_HX_TARGET="timeline", **htmx_headers)
    assert "Email sent" in timeline.content.decode()


def test_a_rep_cannot_approve_a_draft_gated_for_a_manager(
    rep_client, manager_client, draft, htmx_headers, in_send_window, django_capture_on_commit_callbacks
):
    EmailDraft.objects.filter(pk=draft.pk).update(needs_approval=True, approval_reason="Enterprise lead")
    response = rep_client.post(f"/drafts/{draft.pk}/approve/", {}, **htmx_headers)
    assert response.status_code == 422
    assert "Only a manager can approve" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/drafts/{draft.pk}/approve/", {}, **htmx_headers)
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.SENT


def test_rejecting_needs_a_reason_and_then_records_it(rep_client, draft, htmx_headers):
    response = rep_client.post(f"/drafts/{draft.pk}/reject/", {"reason": ""}, **htmx_headers)
    assert response.status_code == 422 and "Say why" in response.content.decode()
    rep_client.post(f"/drafts/{draft.pk}/reject/", {"reason": "Wrong tone"}, **htmx_headers)
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.REJECTED and draft.rejection_reason == "Wrong tone"


def test_needs_info_swaps_the_draft_for_a_question_and_disqualify_closes_the_lead(rep_client, draft):
    response = rep_client.post(f"/drafts/{draft.pk}/needs-info/", {"reason": "What is your budget?"})
    assert response.status_code == 302  # without JavaScript: back to the lead page
    lead = Lead.objects.get(pk=draft.lead_id)
    assert lead.status == Lead.Status.NEEDS_INFO
    question = EmailDraft.objects.get(lead=lead, state=EmailDraft.State.DRAFT)
    assert question.variant == EmailDraft.Variant.CLARIFYING_QUESTION
    rep_client.post(f"/drafts/{question.pk}/disqualify/", {"reason": "Student project"})
    lead.refresh_from_db()
    assert lead.status == Lead.Status.DISQUALIFIED


def test_recording_an_outcome_updates_the_lead_and_the_timeline(rep_client, scored_lead, htmx_headers):
    response = rep_client.post(f"/leads/{scored_lead.pk}/outcome/", {"outcome": "booked_demo", "notes": "Tue 10am"},
                               **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="outcome"' in html and "Booked demo" in html and "Outcome recorded" in html
    scored_lead.refresh_from_db()
    assert scored_lead.status == Lead.Status.MEETING_BOOKED


def test_an_outcome_must_be_chosen(rep_client, scored_lead, htmx_headers):
    response = rep_client.post(f"/leads/{scored_lead.pk}/outcome/", {"outcome": ""}, **htmx_headers)
    assert response.status_code == 422
    assert "Choose an outcome" in response.content.decode()


def test_only_a_manager_can_clear_the_approval_gate(rep_client, manager_client, scored_lead):
    Lead.objects.filter(pk=scored_lead.pk).update(needs_approval=True, approval_reason="Budget over $50,000")
    assert "Clear the approval gate" not in rep_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert rep_client.post(f"/leads/{scored_lead.pk}/clear-gate/").status_code == 403
    page = manager_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert "Clear the approval gate" in page
    manager_client.post(f"/leads/{scored_lead.pk}/clear-gate/")
    scored_lead.refresh_from_db()
    assert scored_lead.needs_approval is False and scored_lead.approved_by.username == "max-manager"


def test_logging_a_reply_by_hand_classifies_it_and_stops_the_follow_ups(rep_client, scored_lead, htmx_headers):
    response = rep_client.post(f"/leads/{scored_lead.pk}/reply/",
                               {"text": "Sounds great, can we talk on Thursday?", "classification": "interested"},
                               **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Reply logged as interested." in html and "Reply received" in html  # form and timeline
    assert ActivityLog.objects.filter(lead=scored_lead, type=ActivityLog.Type.REPLY_RECEIVED).exists()


def test_an_empty_reply_is_refused_with_the_reason(rep_client, scored_lead, htmx_headers):
    response = rep_client.post(f"/leads/{scored_lead.pk}/reply/", {"text": " "}, **htmx_headers)
    assert response.status_code == 422
    assert "Paste or summarise the reply." in response.content.decode()


def test_an_outcome_that_cancels_the_draft_takes_it_off_the_page_at_once(rep_client, scored_lead, draft, htmx_headers):
    # Without this the editor kept offering "Approve & send" for a draft the outcome had just cancelled.
    response = rep_client.post(f"/leads/{scored_lead.pk}/outcome/", {"outcome": "closed_won"}, **htmx_headers)

    html = response.content.decode()
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.CANCELLED
    assert html.lstrip().startswith('<section class="card" id="outcome">')  # still the main swap
    assert '<section class="card" id="draft-editor" hx-swap-oob="true">' in html
    editor = html[html.index('id="draft-editor"'):]
    assert "No draft waiting for review." in editor and "Approve &amp; send" not in editor


def test_saving_the_draft_still_swaps_the_editor_itself_not_out_of_band(rep_client, draft, htmx_headers):
    response = rep_client.post(f"/drafts/{draft.pk}/save/", {"subject": "New subject", "body": draft.body},
                               **htmx_headers)

    html = response.content.decode()
    assert html.count('id="draft-editor"') == 1
    assert '<section class="card" id="draft-editor">' in html


def test_the_pipeline_runs_table_scrolls_inside_its_card_on_a_phone(manager_client, scored_lead):
    # At 390px the node table (decide_next_action, long summaries) pushed the whole page sideways.
    html = manager_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert 'aria-label="Pipeline runs"><table class="compact">' in html


@pytest.mark.parametrize("timeline_only", [False, True])
def test_an_email_held_for_the_send_window_does_not_say_sending_or_keep_polling(
    rep_client, draft, htmx_headers, timeline_only
):
    # Approved on a Saturday evening, it waits until Monday 08:00; the page used to show "sending…" and
    # poll every two seconds all weekend.
    EmailDraft.objects.filter(pk=draft.pk).update(
        state=EmailDraft.State.APPROVED, send_after=timezone.now() + datetime.timedelta(days=2),
        deferred_reason="Outside the send window (mon-fri 08:00-18:00 UTC)")
    headers = {"HTTP_HX_TARGET": "timeline", **htmx_headers} if timeline_only else {}

    html = rep_client.get(f"/leads/{draft.lead_id}/", **headers).content.decode()

    assert 'id="timeline"' in html
    assert "sending…" not in html and 'hx-trigger="every 2s"' not in html


def test_an_email_approved_to_go_now_keeps_the_timeline_polling_until_sent(rep_client, draft):
    EmailDraft.objects.filter(pk=draft.pk).update(state=EmailDraft.State.APPROVED)

    html = rep_client.get(f"/leads/{draft.lead_id}/").content.decode()

    assert "sending…" in html and 'hx-trigger="every 2s"' in html


def test_the_manager_approval_badge_goes_once_a_manager_has_cleared_the_lead_s_gate(
    rep_client, manager_client, scored_lead, draft
):
    # The review queue let the rep approve the draft (draft.gated), while the lead page still said it
    # needed a manager's approval.
    Lead.objects.filter(pk=scored_lead.pk).update(needs_approval=True, approval_reason="Budget over $50,000")
    EmailDraft.objects.filter(pk=draft.pk).update(needs_approval=True, approval_reason="Budget over $50,000")
    assert "manager approval</span>" in rep_client.get(f"/leads/{scored_lead.pk}/").content.decode()

    manager_client.post(f"/leads/{scored_lead.pk}/clear-gate/")

    page = rep_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert "Approval gate cleared by max-manager" in page
    assert "manager approval</span>" not in page


def test_the_draft_editor_shows_a_rep_only_what_a_gated_draft_allows(rep_client, manager_client, scored_lead, draft):
    Lead.objects.filter(pk=scored_lead.pk).update(needs_approval=True, approval_reason="Budget over $50,000")

    rep_page = rep_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert "Approve &amp; send</button>" not in rep_page and f"/drafts/{draft.pk}/approve/" not in rep_page
    assert f"/drafts/{draft.pk}/reject/" not in rep_page
    assert "Only a manager can approve or reject this draft." in rep_page
    assert f"/drafts/{draft.pk}/save/" in rep_page and f"/drafts/{draft.pk}/needs-info/" in rep_page
    assert "Ask a manager to disqualify the lead" in rep_page

    manager_page = manager_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert "Approve &amp; send</button>" in manager_page and f"/drafts/{draft.pk}/reject/" in manager_page
    assert "Disqualify the lead" in manager_page and "Ask a manager" not in manager_page


def test_a_reps_disqualification_of_a_gated_lead_waits_on_the_lead_page_for_a_manager(
    rep_client, manager_client, scored_lead, draft, htmx_headers
):
    Lead.objects.filter(pk=scored_lead.pk).update(needs_approval=True, approval_reason="Budget over $50,000")

    response = rep_client.post(f"/drafts/{draft.pk}/disqualify/", {"reason": "Student project"}, **htmx_headers)

    assert "Sent to a manager to confirm" in response.content.decode()
    scored_lead.refresh_from_db()
    assert scored_lead.status == Lead.Status.QUALIFIED and scored_lead.disqualification_reason == "Student project"
    rep_page = rep_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert "Disqualification waiting for a manager:</strong> Student project" in rep_page
    assert "Confirm disqualification" not in rep_page
    manager_page = manager_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert "Confirm disqualification" in manager_page and "Keep the lead" in manager_page

    response = manager_client.post(f"/leads/{scored_lead.pk}/disqualification/confirm/")

    assert response.status_code == 302 and response["Location"] == f"/leads/{scored_lead.pk}/"
    scored_lead.refresh_from_db()
    draft.refresh_from_db()
    assert scored_lead.status == Lead.Status.DISQUALIFIED and draft.state == EmailDraft.State.CANCELLED


@pytest.mark.parametrize(("status", "shown"), [
    (Lead.Status.MEETING_BOOKED, "Meeting booked: record how it went"),
    (Lead.Status.NEEDS_INFO, "Waiting for the answers to the clarifying question"),
    (Lead.Status.CLOSED_LOST, "Closed lost: nothing more to do."),
])
def test_once_the_status_moves_on_the_page_shows_the_next_step_instead_of_stale_advice(rep_client, scored_lead,
                                                                                      status, shown):
    Lead.objects.filter(pk=scored_lead.pk).update(status=status)
    html = rep_client.get(f"/leads/{scored_lead.pk}/").content.decode()
    assert f"<strong>Next:</strong> {shown}" in html
    assert "<strong>Recommended:</strong>" not in html
