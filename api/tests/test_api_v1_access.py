"""API v1 tokens: what a rep's token, a manager's token and a read-only token may and may not do."""

import pytest
from django.test import Client

from leads.models import ApiToken, Feedback, Lead
from outreach.models import EmailDraft, Suppression

pytestmark = pytest.mark.django_db
ALL = ["read", "write", "send", "manage"]


def _token(owner, scopes: list[str]) -> str:  # type: ignore[no-untyped-def]
    _, plain = ApiToken.issue(f"{owner.username} {'+'.join(scopes)}", owner=owner, scopes=scopes)
    return plain


class Api:
    def __init__(self, token: str) -> None:
        self.client, self.headers = Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, path: str):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}", **self.headers)

    def post(self, path: str, body: object = None):  # type: ignore[no-untyped-def]
        return self.client.post(f"/api/v1{path}", data=body or {}, content_type="application/json", **self.headers)

    def delete(self, path: str):  # type: ignore[no-untyped-def]
        return self.client.delete(f"/api/v1{path}", **self.headers)


@pytest.fixture
def rep_api(rep) -> Api:  # type: ignore[no-untyped-def]
    return Api(_token(rep, ALL))


@pytest.fixture
def manager_api(manager) -> Api:  # type: ignore[no-untyped-def]
    return Api(_token(manager, ALL))


@pytest.fixture
def read_only_api(manager) -> Api:  # type: ignore[no-untyped-def]
    return Api(_token(manager, ["read"]))


@pytest.fixture
def gated_draft(draft_factory, lead_factory):  # type: ignore[no-untyped-def]
    lead = lead_factory(needs_approval=True, approval_reason="Enterprise account")
    return draft_factory(lead=lead)


def test_a_request_without_a_token_is_refused_with_401_in_json(client):
    response = client.get("/api/v1/leads")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(rep):
    row, plain = ApiToken.issue("old", owner=rep, scopes=ALL)
    row.revoke()
    assert Api(plain).get("/leads").status_code == 401


def test_a_read_only_token_lists_and_reads_leads_and_records_when_it_was_used(read_only_api, lead_factory):
    lead = lead_factory(first_name="Ada")
    listed = read_only_api.get("/leads")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["leads"]] == [str(lead.id)]
    assert read_only_api.get(f"/leads/{lead.id}").json()["first_name"] == "Ada"
    assert ApiToken.objects.get(scopes=["read"]).last_used_at is not None


def test_a_read_only_token_cannot_create_change_or_send(read_only_api, lead_factory, draft_factory):
    draft = draft_factory()
    assert read_only_api.post("/leads", {"email": "new@acme.com"}).status_code == 403
    assert read_only_api.post(f"/leads/{draft.lead_id}/outcomes", {"outcome": "closed_won"}).status_code == 403
    refused = read_only_api.post(f"/drafts/{draft.pk}/approve")
    assert refused.status_code == 403
    assert "'write' scope" in refused.json()["errors"]["token"][0]
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.DRAFT
    assert not Lead.objects.filter(email="new@acme.com").exists()


def test_a_rep_token_approves_and_sends_an_ordinary_draft(rep_api, draft_factory):
    draft = draft_factory()
    response = rep_api.post(f"/drafts/{draft.pk}/approve")
    assert response.status_code == 202
    draft.refresh_from_db()
    assert draft.state in (EmailDraft.State.APPROVED, EmailDraft.State.SENDING, EmailDraft.State.SENT)


def test_a_token_without_the_send_scope_cannot_approve(rep, draft_factory):
    draft = draft_factory()
    response = Api(_token(rep, ["read", "write"])).post(f"/drafts/{draft.pk}/approve")
    assert response.status_code == 403
    assert "'send' scope" in response.json()["errors"]["token"][0]


def test_a_rep_token_cannot_approve_a_draft_gated_for_a_manager(rep_api, gated_draft):
    response = rep_api.post(f"/drafts/{gated_draft.pk}/approve")
    assert response.status_code == 403
    gated_draft.refresh_from_db()
    assert gated_draft.state == EmailDraft.State.DRAFT


def test_a_manager_token_approves_a_gated_draft(manager_api, gated_draft):
    assert manager_api.post(f"/drafts/{gated_draft.pk}/approve").status_code == 202
    gated_draft.refresh_from_db()
    assert gated_draft.state != EmailDraft.State.DRAFT


def test_the_review_queue_hides_gated_drafts_from_a_rep_and_shows_them_to_a_manager(rep_api, manager_api,
                                                                                     gated_draft):
    assert rep_api.get("/review-queue").json()["waiting"] == 0
    queue = manager_api.get("/review-queue").json()
    assert queue["waiting"] == 1
    assert queue["items"][0]["gate_reasons"] == ["Enterprise account"]


def test_approving_a_sent_draft_is_a_conflict(manager_api, draft_factory):
    draft = draft_factory(state=EmailDraft.State.SENT)
    response = manager_api.post(f"/drafts/{draft.pk}/approve")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_a_rep_may_add_to_the_suppression_list_but_only_a_manager_removes(rep_api, manager_api):
    assert rep_api.post("/suppressions", {"email": "gone@acme.com", "reason": "opted_out"}).status_code == 201
    assert rep_api.get("/suppressions/gone@acme.com").json()["suppressed"] is True
    assert rep_api.delete("/suppressions/gone@acme.com").status_code == 403
    assert manager_api.delete("/suppressions/gone@acme.com").status_code == 204
    assert not Suppression.objects.exists()
    assert manager_api.delete("/suppressions/gone@acme.com").status_code == 404


def test_a_rep_token_records_an_outcome_through_the_outcome_loop(rep, rep_api, lead_factory):
    lead = lead_factory()
    response = rep_api.post(f"/leads/{lead.id}/outcomes", {"outcome": "booked_demo", "notes": "Tuesday"})
    assert response.status_code == 201
    assert response.json()["lead_status"] == Lead.Status.MEETING_BOOKED
    assert Feedback.objects.get(lead=lead).created_by == rep


def test_a_token_whose_owner_has_no_role_is_refused(outsider):
    assert Api(_token(outsider, ALL)).get("/leads").status_code == 403


def test_an_unknown_outcome_names_the_field(rep_api, lead_factory):
    response = rep_api.post(f"/leads/{lead_factory().id}/outcomes", {"outcome": "maybe"})
    assert response.status_code == 422
    assert "outcome" in response.json()["errors"]


def test_a_bad_filter_is_refused_naming_it(read_only_api):
    response = read_only_api.get("/leads?status=ASLEEP")
    assert response.status_code == 422
    assert response.json()["errors"] == {"status": ["Unknown status 'ASLEEP'"]}


def test_an_old_intake_token_still_creates_leads_at_the_old_path(client):
    _, plain = ApiToken.issue("Website form")
    response = client.post("/api/leads", data={"email": "ada@acme.com"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 201


def test_a_rep_tokens_disqualification_of_a_gated_lead_waits_for_a_manager_as_on_the_pages(rep_api, gated_draft):
    response = rep_api.post(f"/leads/{gated_draft.lead_id}/status", {"status": "DISQUALIFIED", "reason": "No budget"})
    assert response.status_code == 202
    lead = Lead.objects.get(pk=gated_draft.lead_id)
    assert lead.status != Lead.Status.DISQUALIFIED and lead.disqualification_reason == "No budget"
    assert EmailDraft.objects.get(pk=gated_draft.pk).state == EmailDraft.State.DRAFT


def test_a_manager_tokens_disqualification_closes_the_lead_and_cancels_its_unsent_emails(manager_api, gated_draft):
    response = manager_api.post(f"/leads/{gated_draft.lead_id}/status", {"status": "DISQUALIFIED",
                                                                         "reason": "No budget"})
    assert response.status_code == 200
    assert response.json()["status"] == Lead.Status.DISQUALIFIED
    assert EmailDraft.objects.get(pk=gated_draft.pk).state == EmailDraft.State.CANCELLED


def test_the_api_and_the_page_share_one_queue_that_follows_each_approval(rep_api, rep_client, draft_factory,
                                                                         lead_factory,
                                                                         django_capture_on_commit_callbacks):
    drafts = {label: draft_factory(lead=lead_factory(score_label=label, score_value=score))
              for label, score in (("COLD", 20), ("HOT", 80), ("WARM", 50))}
    queue = rep_api.get("/review-queue").json()
    assert queue["waiting"] == 3
    assert [item["lead"]["score_label"] for item in queue["items"]] == ["HOT", "WARM", "COLD"]
    assert "3 drafts waiting" in rep_client.get("/review/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert rep_api.post(f"/drafts/{drafts['HOT'].pk}/approve").status_code == 202
    queue = rep_api.get("/review-queue").json()
    assert queue["waiting"] == 2
    assert [item["draft"]["id"] for item in queue["items"]] == [str(drafts["WARM"].pk), str(drafts["COLD"].pk)]
    assert "2 drafts waiting" in rep_client.get("/review/").content.decode()
