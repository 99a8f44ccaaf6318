"""leads.admin: deleting rows outright is for admins (superusers), and the confirmation says what goes."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from conftest import LeadFactory
from leads.models import ActivityLog, Feedback, Lead
from outreach.models import EmailDraft
from scoring.models import Trace

pytestmark = pytest.mark.django_db


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
