"""Django admin for outreach, as ops use it: the suppression list and the outbox rows."""

import pytest

from outreach.models import EmailDraft, Enrollment, Sequence, Suppression

pytestmark = pytest.mark.django_db

ADD_SUPPRESSION = "/admin/outreach/suppression/add/"


def _add(admin_client, **fields):  # type: ignore[no-untyped-def]
    data = {"email": "", "domain": "", "reason": Suppression.Reason.MANUAL, "source": "", "notes": "", **fields}
    return admin_client.post(ADD_SUPPRESSION, data)


def test_adding_an_address_already_suppressed_in_other_letter_case_is_a_form_error_not_a_crash(admin_client):
    Suppression.objects.create(email="ann@globex.io", reason=Suppression.Reason.UNSUBSCRIBED)
    response = _add(admin_client, email="Ann@Globex.io")
    assert response.status_code == 200
    assert "ann@globex.io is already on the suppression list." in response.content.decode()
    assert Suppression.objects.count() == 1


def test_a_suppression_needs_an_address_or_a_domain_and_says_so_in_words(admin_client):
    html = _add(admin_client).content.decode()
    assert "Enter an address or a domain, not both." in html
    assert "is violated" not in html
    html = _add(admin_client, email="ann@globex.io", domain="globex.io").content.decode()
    assert "Enter an address or a domain, not both." in html
    assert not Suppression.objects.exists()


def test_a_domain_typed_with_its_at_sign_is_stored_without_it(admin_client):
    response = _add(admin_client, domain=" @Globex.IO ")
    assert response.status_code == 302
    assert Suppression.objects.get().domain == "globex.io"


def test_suppressing_an_address_in_admin_stops_its_sequence_and_cancels_its_unsent_drafts(
    admin_client, draft_factory, lead_factory
):
    lead = lead_factory(email="ann@globex.io")
    waiting = draft_factory(lead=lead, variant=EmailDraft.Variant.FIRST_TOUCH, state=EmailDraft.State.APPROVED)
    enrollment = Enrollment.objects.create(lead=lead, sequence=Sequence.objects.create(name="Ops test"))

    assert _add(admin_client, email="ann@globex.io", notes="Asked on the phone").status_code == 302

    waiting.refresh_from_db()
    enrollment.refresh_from_db()
    assert waiting.state == EmailDraft.State.CANCELLED
    assert enrollment.status == Enrollment.Status.STOPPED
    assert lead.activities.filter(type="UNSUBSCRIBED").exists()
    assert Suppression.objects.get().source == "added in admin"


def test_a_sent_email_cannot_be_put_back_in_the_outbox_from_admin(admin_client, draft_factory):
    sent = draft_factory(state=EmailDraft.State.SENT, message_id="<1@leadops.test>")
    page = admin_client.get(f"/admin/outreach/emaildraft/{sent.pk}/change/").content.decode()
    assert 'name="state"' not in page and 'name="subject"' not in page

    admin_client.post(f"/admin/outreach/emaildraft/{sent.pk}/change/",
                      {"state": EmailDraft.State.APPROVED, "subject": "Again", "body": sent.body})

    sent.refresh_from_db()
    assert sent.state == EmailDraft.State.SENT and sent.subject != "Again"


def test_a_waiting_draft_can_still_be_corrected_in_admin(admin_client, draft_factory):
    draft = draft_factory()
    page = admin_client.get(f"/admin/outreach/emaildraft/{draft.pk}/change/").content.decode()
    assert 'name="subject"' in page and 'name="state"' not in page
    assert admin_client.get("/admin/outreach/emaildraft/add/").status_code == 403


def test_a_drafts_approval_gate_cannot_be_unticked_in_admin(admin_client, draft_factory):
    draft = draft_factory(needs_approval=True, approval_reason="Enterprise lead")
    page = admin_client.get(f"/admin/outreach/emaildraft/{draft.pk}/change/").content.decode()
    assert 'name="needs_approval"' not in page and "Enterprise lead" in page


def test_marking_a_second_sequence_default_names_the_current_default_in_words(admin_client):
    current = (Sequence.objects.filter(is_default=True).first()
               or Sequence.objects.create(name="Standard", is_default=True))
    html = admin_client.post("/admin/outreach/sequence/add/", {
        "name": "Enterprise", "purpose": "follow_up", "is_default": "on", "is_active": "on",
        "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "5",
    }).content.decode()
    assert f"“{current.name}” is the default sequence; untick Default there first." in html
    assert "one_default_sequence" not in html
    assert not Sequence.objects.filter(name="Enterprise").exists()


def _sequence_form(**step: str) -> dict[str, str]:
    return {"name": "Short", "purpose": "follow_up", "is_active": "on", "steps-TOTAL_FORMS": "2",
            "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "5",
            "steps-0-position": "1", "steps-0-kind": "email", "steps-0-variant": "first_touch",
            "steps-0-wait_business_days": "0", "steps-0-template_keys": "first_touch",
            "steps-1-position": "2", "steps-1-kind": "email", "steps-1-variant": "follow_up_1",
            "steps-1-wait_business_days": "3",
            **{f"steps-1-{key}": value for key, value in step.items()}}


def test_admin_refuses_a_sequence_step_whose_template_does_not_exist(admin_client):
    response = admin_client.post("/admin/outreach/sequence/add/", _sequence_form(template_keys="no_such_template"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "“no_such_template” is not a template; choose from the list." in html
    assert not Sequence.objects.filter(name="Short").exists()


def test_admin_refuses_an_email_step_without_a_template(admin_client):
    response = admin_client.post("/admin/outreach/sequence/add/", _sequence_form())
    assert "Choose at least one template for an email step." in response.content.decode()
    assert not Sequence.objects.filter(name="Short").exists()


def test_admin_offers_only_the_templates_a_step_can_send(admin_client):
    html = admin_client.get("/admin/outreach/sequence/add/").content.decode()
    assert 'value="follow_up_1"' in html and 'value="demo_invite"' in html and 'value="nurture_1"' in html
    assert 'value="clarifying_question"' not in html


def test_admin_saves_a_sequence_whose_steps_all_have_templates(admin_client):
    response = admin_client.post("/admin/outreach/sequence/add/", _sequence_form(template_keys="follow_up_1"))
    assert response.status_code == 302
    assert list(Sequence.objects.get(name="Short").steps.values_list("variant", flat=True)) == [
        "first_touch", "follow_up_1"]
