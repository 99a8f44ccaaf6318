"""The email line (scoring.email_line): the LLM's score past it waits for a person, who approves or declines."""

import pytest
from django.test import Client
from django.urls import reverse

from leads.models import ActivityLog, ApiToken, Lead
from outreach.models import EmailDraft
from scoring import email_line
from scoring.tests.fake_openai import Reply
from scoring.tests.test_pipeline_llm import WEAK, qualified, rules_only_score

pytestmark = pytest.mark.django_db

PRICING = {**WEAK, "lead_message": "Curious what the tool costs for a small team."}


@pytest.fixture
def held(llm_on, settings) -> Lead:
    """A COLD lead the rules hold, whose LLM score (bounded, without the line) would make it WARM."""
    baseline = rules_only_score(settings, **PRICING)
    settings.LLM_MAX_SCORE_ADJUSTMENT = 45 - baseline + 5
    llm_on.then(Reply(content={"score": 100, "rationale": "Asks about pricing for the team."}))
    return qualified(**PRICING)


def test_a_held_lead_the_llm_would_email_is_routed_by_the_rules_and_waits_for_a_person(held):
    assert held.recommended_action == Lead.Action.HOLD and held.score_label == "COLD"
    assert not EmailDraft.objects.filter(lead=held).exists()
    would = email_line.pending(held)
    assert would["action"] == Lead.Action.SEND_EMAIL and would["label"] == "WARM" and would["score"] >= 45
    assert would["reason"] == "Asks about pricing for the team."


def test_the_lead_page_says_the_llm_would_email_the_lead_with_approve_and_decline(held, rep_client):
    page = rep_client.get(held.get_absolute_url()).content.decode()

    assert "The LLM would email this lead." in page
    assert reverse("outreach:email_line_approve", args=[held.pk]) in page
    assert reverse("outreach:email_line_decline", args=[held.pk]) in page


def test_approving_drafts_a_first_touch_that_waits_for_review_and_names_who_approved(held, rep, rep_client):
    response = rep_client.post(reverse("outreach:email_line_approve", args=[held.pk]))

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.recommended_action == Lead.Action.SEND_EMAIL and held.score_label == "WARM"
    assert held.status == Lead.Status.QUALIFIED
    draft = EmailDraft.objects.get(lead=held)
    assert draft.state == EmailDraft.State.DRAFT and draft.variant == EmailDraft.Variant.FIRST_TOUCH
    assert email_line.pending(held) is None
    assert sum(factor["points"] for factor in held.score_factors) == held.score_value
    entry = held.activities.filter(type=ActivityLog.Type.SCORED, actor=rep).get()
    assert "approved by" in entry.payload["reason"]
    assert "The LLM would email this lead." not in rep_client.get(held.get_absolute_url()).content.decode()


def test_declining_keeps_the_rules_route_and_asks_no_more(held, manager, manager_client):
    manager_client.post(reverse("outreach:email_line_decline", args=[held.pk]))

    held.refresh_from_db()
    assert held.recommended_action == Lead.Action.HOLD and held.score_label == "COLD"
    assert not EmailDraft.objects.filter(lead=held).exists()
    assert email_line.pending(held) is None
    assert "declined by" in held.activities.get(type=ActivityLog.Type.SCORED, actor=manager).payload["reason"]
    second = manager_client.post(reverse("outreach:email_line_approve", args=[held.pk]), follow=True)
    assert "There is no LLM suggestion waiting for this lead" in second.content.decode()


def test_an_emailed_lead_the_llm_would_hold_keeps_its_draft_until_a_person_approves_the_hold(
    llm_on, settings, rep_client
):
    settings.LLM_MAX_SCORE_ADJUSTMENT = 60
    llm_on.then(Reply(content={"score": 0, "rationale": "Vague message, no project."}))
    lead = qualified()
    assert lead.recommended_action == Lead.Action.SEND_EMAIL
    assert email_line.pending(lead)["action"] == Lead.Action.HOLD
    assert "The LLM would hold this lead, not email it." in rep_client.get(lead.get_absolute_url()).content.decode()

    rep_client.post(reverse("outreach:email_line_approve", args=[lead.pk]))

    lead.refresh_from_db()
    assert lead.recommended_action == Lead.Action.HOLD and lead.score_label == "COLD"
    assert EmailDraft.objects.get(lead=lead).state == EmailDraft.State.CANCELLED


def test_deciding_needs_login_and_a_role(held, client, outsider_client):
    url = reverse("outreach:email_line_approve", args=[held.pk])

    assert client.post(url).status_code == 302 and "login" in client.post(url)["Location"]
    assert outsider_client.post(url).status_code == 403
    held.refresh_from_db()
    assert email_line.pending(held) is not None


def test_the_api_decides_the_same_way_and_answers_409_once_decided(held, rep):
    _, token = ApiToken.issue("tests", owner=rep, scopes=["read", "write"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/leads/{held.pk}/llm-suggestion"
    assert api.get(f"/api/v1/leads/{held.pk}").json()["enrichment"]["llm_would"]["action"] == "SEND_EMAIL"

    answer = api.post(url, {"decision": "approve"}, content_type="application/json")

    assert answer.status_code == 200 and answer.json()["recommended_action"] == "SEND_EMAIL"
    assert EmailDraft.objects.filter(lead=held, state=EmailDraft.State.DRAFT).count() == 1
    again = api.post(url, {"decision": "decline"}, content_type="application/json")
    assert again.status_code == 409 and "no LLM suggestion waiting" in again.content.decode()
