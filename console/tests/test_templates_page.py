"""The Templates pages: managers create, edit, preview and roll back templates; reps read them; others are refused."""

import pytest

from conftest import LeadFactory
from outreach import drafting
from outreach.models import EmailTemplate

pytestmark = pytest.mark.django_db

NEW = {"key": "first_touch_events", "name": "First email after an event", "purpose": "first_touch",
       "source": "event", "industry": "", "is_active": "on",
       "subject": "Good to meet you[[if company_name]], {{company_name}}[[endif]]",
       "body": "{{greeting}}\n\n{{opening}} I promised to send over how we qualify new leads.\n\n"
               "Best regards,\n{{sender_name}}"}


def _lead(**fields):
    return LeadFactory(first_name="Dana", company_name="Northwind Logistics", email="dana@northwind.example",
                       **fields)


def test_a_manager_creates_a_template_and_drafts_for_matching_leads_use_it(manager_client, manager):
    event_lead, web_lead = _lead(source="event"), LeadFactory(source="web_form", email="ann@acme.example")

    response = manager_client.post("/templates/new/", NEW)

    assert response.status_code == 302 and response["Location"] == "/templates/first_touch_events/"
    template = EmailTemplate.objects.get(key="first_touch_events")
    version = template.versions.get()
    assert version.number == 1 and version.changed_by == manager
    email = drafting.render_variant(event_lead, "first_touch")
    assert email.template_key == "first_touch_events" and email.subject == "Good to meet you, Northwind Logistics"
    assert drafting.render_variant(web_lead, "first_touch").template_key == "first_touch"
    assert "First email after an event" in manager_client.get("/templates/").content.decode()


def test_editing_keeps_every_version_with_who_and_the_changes_and_a_roll_back_restores_the_old_text(
        manager_client, manager):
    template = EmailTemplate.objects.get(key="breakup")
    old_body = template.body
    edited = {"name": template.name, "purpose": template.purpose, "source": "", "industry": "", "is_active": "on",
              "subject": "Closing the loop",
              "body": old_body.replace("I have not heard back", "I have not heard from you")}

    assert manager_client.post("/templates/breakup/", edited).status_code == 302

    template.refresh_from_db()
    assert template.version == 2 and template.subject == "Closing the loop"
    page = manager_client.get("/templates/breakup/").content.decode()
    assert "max-manager" in page and "Roll back to this" in page
    changes = manager_client.get("/templates/breakup/versions/2/").content.decode()
    assert '<li class="removed"><span class="visually-hidden">Removed: </span>Should I close your file?</li>' in changes
    assert '<li class="added"><span class="visually-hidden">Added: </span>Closing the loop</li>' in changes

    assert manager_client.post("/templates/breakup/versions/1/roll-back/").status_code == 302

    template.refresh_from_db()
    assert template.version == 3 and template.body == old_body and template.subject == "Should I close your file?"
    assert template.versions.get(number=3).note == "Rolled back to version 1"


def test_the_live_preview_renders_on_the_chosen_lead_and_shows_the_lint_before_saving(manager_client, htmx_headers):
    lead = _lead(source="outbound")
    typed = {**NEW, "body": "Hi {{first_name}},\n\nThanks for reaching out! Talk soon,\n[Your Name]",
             "preview": "1", "preview_lead": str(lead.pk)}

    response = manager_client.post("/templates/new/", typed, **htmx_headers)

    html = response.content.decode()
    assert response.status_code == 200 and 'id="template-preview"' in html and "<html" not in html
    assert "Hi Dana," in html and "Good to meet you, Northwind Logistics" in html
    assert "The lint stops this email" in html and "[Your Name]" in html
    assert "contacted first" in html  # an outbound lead thanked for reaching out


def test_a_template_the_lint_stops_is_not_saved_and_the_page_says_why(manager_client):
    _lead(source="web_form")

    response = manager_client.post("/templates/new/", {**NEW, "body": "{{greeting}}\n\nCall [Your Name] today."})

    assert response.status_code == 422
    html = response.content.decode()
    assert "Not saved: the preview has problems" in html and "unresolved placeholders: [Your Name]" in html
    assert not EmailTemplate.objects.filter(key="first_touch_events").exists()


def test_an_unknown_merge_field_or_the_pain_point_in_the_subject_is_refused_by_name(manager_client):
    response = manager_client.post("/templates/new/", {**NEW, "subject": "About {{pain_point}}",
                                                       "body": NEW["body"] + "\n{{favourite_colour}}"})

    html = response.content.decode()
    assert response.status_code == 422
    assert "Unknown merge field {{favourite_colour}}" in html
    assert "The subject cannot repeat what the lead typed ({{pain_point}})" in html


def test_the_picker_offers_every_merge_field(manager_client):
    html = manager_client.get("/templates/first_touch/").content.decode()

    for field in ("greeting", "first_name", "company_name", "opening", "pain_point", "sender_name"):
        assert f'data-insert="{{{{{field}}}}}"' in html


def test_reps_read_templates_and_preview_them_but_cannot_change_them(rep_client):
    lead = _lead(source="web_form")
    template = EmailTemplate.objects.get(key="first_touch")

    assert rep_client.get("/templates/").status_code == 200
    page = rep_client.get(f"/templates/first_touch/?preview_lead={lead.pk}&preview=1").content.decode()
    assert "Hi Dana," in page and "Save as a new version" not in page and "Roll back" not in page
    assert rep_client.get("/templates/new/").status_code == 403
    assert rep_client.post("/templates/first_touch/", {**NEW, "subject": "Changed"}).status_code == 403
    assert rep_client.post("/templates/new/", NEW).status_code == 403
    assert rep_client.post("/templates/first_touch/versions/1/roll-back/").status_code == 403
    template.refresh_from_db()
    assert template.version == 1 and not EmailTemplate.objects.filter(key="first_touch_events").exists()


def test_the_pages_need_login_and_a_role(client, outsider_client):
    for path in ("/templates/", "/templates/first_touch/", "/templates/first_touch/versions/1/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert outsider_client.get(path).status_code == 403


def test_a_seed_template_missing_from_the_table_is_seeded_when_its_page_opens(manager_client):
    EmailTemplate.objects.filter(key="breakup").delete()

    assert manager_client.get("/templates/breakup/").status_code == 200
    assert EmailTemplate.objects.filter(key="breakup").exists()
    assert manager_client.get("/templates/no_such_template/").status_code == 404
