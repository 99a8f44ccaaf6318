"""Django admin for leads: an edit goes through intake like the lead page's; the pipeline's fields are read-only;
deleting rows outright is for admins (superusers), and the confirmation says what goes."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from conftest import LeadFactory
from leads.models import ActivityLog, Feedback, Lead
from outreach.models import EmailDraft
from scoring.models import Trace

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead() -> Lead:
    return LeadFactory(
        first_name="Dana", last_name="Whitfield", email="dana@globex-logistics.com", company_name="Globex Logistics",
        job_title="Ops analyst", budget_range="$80,000", budget_amount=80_000, status=Lead.Status.QUALIFIED,
        needs_approval=True, approval_reason="Enterprise lead: budget $80,000 (gate at $50,000)",
    )


def _change(admin_client, lead: Lead, **changes):  # type: ignore[no-untyped-def]
    """The admin's change form as posted: every field it shows, `changes` typed over them."""
    data = {name: getattr(lead, name) or "" for name in Lead.EDITABLE_FIELDS}
    data["owner"] = lead.owner_id or ""
    return admin_client.post(f"/admin/leads/lead/{lead.pk}/change/", {**data, **changes})


def test_an_admin_edit_is_validated_logged_and_qualified_again_like_the_lead_pages(
    admin_client, admin_user, lead, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(admin_client, lead, budget_range="$45k", job_title="VP Sales")

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.budget_range, lead.budget_amount, lead.job_title) == ("$45k", 45_000, "VP Sales")
    update = ActivityLog.objects.get(lead=lead, type=ActivityLog.Type.UPDATED)
    assert update.actor == admin_user
    assert update.payload["changes"]["job_title"] == ["Ops analyst", "VP Sales"]
    assert update.payload["changes"]["budget_amount"] == [80_000, 45_000]
    assert queued == [lead.pk]
    assert lead.qualified_at is None  # waiting for its run


def test_an_invalid_value_in_admin_is_a_form_error_and_nothing_is_saved(
    admin_client, lead, queued, django_capture_on_commit_callbacks
):
    other = LeadFactory(first_name="Kim", last_name="Osei", email="kim@northwindfreight.com")

    with django_capture_on_commit_callbacks(execute=True):
        bad_country = _change(admin_client, lead, country="Atlantis").content.decode()
        taken_email = _change(admin_client, lead, email="KIM@northwindfreight.com").content.decode()

    assert "&#x27;Atlantis&#x27; is not a country we recognise" in bad_country
    assert "&#x27;kim@northwindfreight.com&#x27; is already the email of Kim Osei." in taken_email
    assert "is violated" not in taken_email and str(other.pk) not in taken_email
    lead.refresh_from_db()
    assert (lead.country, lead.email) == ("US", "dana@globex-logistics.com")
    assert not ActivityLog.objects.filter(lead=lead).exists() and queued == []


def test_the_pipelines_fields_and_the_approval_gate_cannot_be_changed_in_admin(admin_client, lead, queued):
    page = admin_client.get(f"/admin/leads/lead/{lead.pk}/change/").content.decode()
    assert 'name="needs_approval"' not in page and 'name="status"' not in page and 'name="score_value"' not in page
    assert 'name="budget_range"' in page

    _change(admin_client, lead, needs_approval="", approval_reason="", status=Lead.Status.CLOSED_WON, score_value=1)

    lead.refresh_from_db()
    assert (lead.needs_approval, lead.status) == (True, Lead.Status.QUALIFIED)


def test_a_change_of_owner_in_admin_is_on_the_timeline(
    admin_client, admin_user, lead, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _change(admin_client, lead, owner=admin_user.pk)

    lead.refresh_from_db()
    assert lead.owner == admin_user and queued == []  # who owns it is not what the score reads
    assert ActivityLog.objects.get(lead=lead, type=ActivityLog.Type.OWNER_CHANGED).payload == {
        "from": "", "to": admin_user.username, "reason": ""}


def test_leads_are_not_added_in_admin(admin_client):
    assert admin_client.get("/admin/leads/lead/add/").status_code == 403


@pytest.fixture
def staff_manager_client(manager) -> Client:
    """A manager as setup_demo makes one: staff, with every permission on the leads app."""
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    manager.user_permissions.add(*Permission.objects.filter(content_type__app_label="leads"))
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def lead_with_history() -> Lead:
    lead = LeadFactory()
    ActivityLog.record(lead, ActivityLog.Type.INGESTED)
    ActivityLog.record(lead, ActivityLog.Type.NOTE, payload={"text": "called"})
    Trace.objects.create(lead=lead)
    EmailDraft.objects.create(lead=lead, subject="Hello", body="Hi", state=EmailDraft.State.SENT)
    Feedback.objects.create(lead=lead, outcome=Feedback.Outcome.NO_RESPONSE)
    return lead


def test_a_manager_cannot_delete_leads_or_their_history_in_the_admin(staff_manager_client, lead_with_history):
    lead = lead_with_history
    assert staff_manager_client.get(f"/admin/leads/lead/{lead.pk}/delete/").status_code == 403
    assert staff_manager_client.post(f"/admin/leads/lead/{lead.pk}/delete/", {"post": "yes"}).status_code == 403
    feedback = Feedback.objects.get(lead=lead)
    assert staff_manager_client.get(f"/admin/leads/feedback/{feedback.pk}/delete/").status_code == 403
    changelist = staff_manager_client.get("/admin/leads/lead/")
    assert b"delete_selected" not in changelist.content
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_an_admin_sees_what_goes_with_a_lead_and_can_delete_it(admin_client, lead_with_history):
    lead = lead_with_history
    page = admin_client.get(f"/admin/leads/lead/{lead.pk}/delete/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Are you sure" in text
    summary = dict(page.context["model_count"])
    assert summary["activity log"] == 2 and summary["traces"] == 1 and summary["email drafts"] == 1
    assert summary["feedback"] == 1

    admin_client.post(f"/admin/leads/lead/{lead.pk}/delete/", {"post": "yes"})
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not ActivityLog.objects.filter(lead_id=lead.pk).exists()


def test_a_manager_with_every_permission_cannot_delete_a_leads_emails_traces_or_enrolments(
    staff_manager_client, manager, lead_with_history
):
    manager.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["outreach", "scoring"]))
    draft, trace = EmailDraft.objects.get(lead=lead_with_history), Trace.objects.get(lead=lead_with_history)
    assert staff_manager_client.get(f"/admin/outreach/emaildraft/{draft.pk}/delete/").status_code == 403
    assert staff_manager_client.post(f"/admin/scoring/trace/{trace.pk}/delete/", {"post": "yes"}).status_code == 403
    assert EmailDraft.objects.filter(pk=draft.pk).exists() and Trace.objects.filter(pk=trace.pk).exists()
