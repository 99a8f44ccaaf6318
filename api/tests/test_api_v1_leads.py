"""API v1 endpoints beyond access: paging, detail, edits, drafts, quota, company memory and import jobs."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from leads.models import ApiToken, Company, ImportJob, Lead
from outreach.models import EmailDraft, Mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(manager):  # type: ignore[no-untyped-def]
    _, token = ApiToken.issue("tests", owner=manager, scopes=["read", "write", "send", "manage"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_the_list_pages_by_keyset_without_repeating_or_skipping_a_lead(api, lead_factory):
    leads = {str(lead_factory().id) for _ in range(120)}
    seen: list[str] = []
    after = ""
    while True:
        page = api.get("/api/v1/leads", {"after": after} if after else {}).json()
        seen += [row["id"] for row in page["leads"]]
        after = page["next"]
        if not after:
            break
    assert len(seen) == 120 and set(seen) == leads


def test_the_detail_shows_score_factors_decision_and_approval_state(api, lead_factory):
    company = Company.objects.create(domain="acme-industries.com", name="Acme Industries")
    lead = lead_factory(company=company, score_factors=[{"factor": "VP title", "points": 20}], score_value=72,
                        score_label="HOT", recommended_action="SEND_EMAIL", decision_reason="Strong fit",
                        needs_approval=True, approval_reason="Enterprise account")
    detail = api.get(f"/api/v1/leads/{lead.id}").json()
    assert detail["score_factors"] == [{"factor": "VP title", "points": 20.0}]
    assert (detail["recommended_action"], detail["decision_reason"]) == ("SEND_EMAIL", "Strong fit")
    assert (detail["needs_approval"], detail["approval_reason"]) == (True, "Enterprise account")
    assert detail["company_domain"] == "acme-industries.com"
    memory = api.get("/api/v1/companies/acme-industries.com").json()
    assert memory["lead_count"] == 1 and memory["leads"][0]["id"] == str(lead.id)


def test_an_edit_goes_through_intake_and_names_what_it_refuses(api, lead_factory, no_qualification):
    lead = lead_factory()
    changed = api.patch(f"/api/v1/leads/{lead.id}", {"job_title": "Chief Revenue Officer"},
                        content_type="application/json")
    assert changed.status_code == 200 and changed.json()["job_title"] == "Chief Revenue Officer"
    refused = api.patch(f"/api/v1/leads/{lead.id}", {"status": "CLOSED_WON"}, content_type="application/json")
    assert refused.status_code == 422 and "status" in refused.json()["errors"]
    bad = api.patch(f"/api/v1/leads/{lead.id}", {"email": "not-an-address"}, content_type="application/json")
    assert bad.status_code == 422 and "email" in bad.json()["errors"]


def test_a_rejected_draft_is_written_again_and_a_second_reject_is_a_conflict(api, draft_factory):
    draft = draft_factory()
    rejected = api.post(f"/api/v1/drafts/{draft.pk}/reject", {"reason": "Too long"}, content_type="application/json")
    assert rejected.status_code == 200 and rejected.json()["state"] == EmailDraft.State.REJECTED
    again = api.post(f"/api/v1/drafts/{draft.pk}/reject", {"reason": "Still"}, content_type="application/json")
    assert again.status_code == 409
    written = api.post(f"/api/v1/drafts/{draft.pk}/regenerate", {}, content_type="application/json")
    assert written.status_code == 201
    assert written.json()["state"] == EmailDraft.State.DRAFT and written.json()["id"] != str(draft.pk)
    assert [row["state"] for row in api.get(f"/api/v1/leads/{draft.lead_id}/drafts").json()] == ["draft", "rejected"]


def test_the_quota_standing_says_what_was_sent_and_what_the_cap_allows(api, lead_factory):
    standing = api.get(f"/api/v1/leads/{lead_factory().id}/quota").json()
    assert standing["sent"] == 0 and standing["limit"] >= 1 and standing["may_send_now"] is True


def test_a_mailbox_standing_says_what_it_sent_against_its_caps_and_never_shows_its_secrets(
        api, rep, lead_factory, draft_factory):
    mailbox = Mailbox.objects.create(name="Rita's mailbox", owner=rep, display_name="Rita Lopez",
                                     email="rita@leadops.test", per_hour_cap=1, per_day_cap=50)
    sent_at = timezone.now() - datetime.timedelta(minutes=20)
    draft_factory(lead=lead_factory(owner=rep), state=EmailDraft.State.SENT, mailbox=mailbox, claimed_at=sent_at,
                  sent_at=sent_at)

    listed = api.get("/api/v1/mailboxes")
    standing = api.get(f"/api/v1/mailboxes/{mailbox.pk}/quota").json()

    assert listed.status_code == 200 and [row["address"] for row in listed.json()] == ["rita@leadops.test"]
    assert (standing["sent_last_hour"], standing["per_hour_cap"], standing["sent_last_day"]) == (1, 1, 1)
    assert standing["may_send_now"] is False and standing["owner"] == rep.username
    assert standing["next_send_at"] is not None and "password" not in " ".join(listed.json()[0])
    assert api.get("/api/v1/mailboxes/999999/quota").status_code == 404


def test_a_csv_upload_becomes_an_import_job_that_reports_its_rows(api, import_media, no_qualification,
                                                                   django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("leads.csv", b"email,first_name\nada@acme.com,Ada\nnot-an-email,Bob\n",
                                content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/v1/imports", {"file": upload})
    assert started.status_code == 202
    job = api.get(f"/api/v1/imports/{started.json()['id']}").json()
    assert job["status"] == ImportJob.Status.DONE
    assert (job["created"], job["invalid"]) == (1, 1)
    assert Lead.objects.filter(email="ada@acme.com").exists()
