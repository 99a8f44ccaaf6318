"""The lead page's "Edit details": a rep answers a needs-info lead without Django admin, through intake."""

import pytest

from conftest import CompanyFactory, LeadFactory
from leads.models import ActivityLog, Company, Lead
from outreach.models import EmailDraft
from scoring.pipeline import runner

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead() -> Lead:
    return LeadFactory(
        first_name="Dana", last_name="Whitfield", email="dana@globex-logistics.com", phone="+1 555 0100",
        company_name="Globex Logistics", website="globex-logistics.com", job_title="Ops analyst",
        industry="Logistics", company_size=Lead.SizeBand.MEDIUM, country="US", source=Lead.Source.WEB_FORM,
        budget_range="$20k", budget_amount=20_000, urgency=Lead.Urgency.MEDIUM,
        pain_point="Leads from the website wait days for an answer.",
    )


def _form(lead: Lead, **changes: str) -> dict[str, str]:
    """What the edit form posts when the person changed only `changes`: every field, as shown."""
    return {**{name: getattr(lead, name) or "" for name in Lead.EDITABLE_FIELDS}, **changes}


# --- edit details ---------------------------------------------------------------------------------------
def test_the_lead_page_offers_the_details_prefilled_for_editing(rep_client, lead):
    html = rep_client.get(f"/leads/{lead.pk}/").content.decode()

    assert "Edit details" in html and f'action="/leads/{lead.pk}/edit/"' in html
    assert 'value="dana@globex-logistics.com"' in html and 'value="Ops analyst"' in html
    assert '<option value="51-200" selected>' in html and '<option value="web_form" selected>' in html
    assert "Leads from the website wait days for an answer." in html


def test_saving_changes_the_lead_and_logs_old_and_new_once_with_the_rep(rep_client, rep, lead, queued):
    response = rep_client.post(f"/leads/{lead.pk}/edit/", _form(lead, job_title="VP Sales", company_size="201-500"))

    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    lead.refresh_from_db()
    assert (lead.job_title, lead.company_size) == ("VP Sales", Lead.SizeBand.MID)
    update = ActivityLog.objects.get(lead=lead, type=ActivityLog.Type.UPDATED)
    assert update.payload == {
        "changes": {"job_title": ["Ops analyst", "VP Sales"], "company_size": ["51-200", "201-500"]}
    }
    assert update.actor == rep
    page = rep_client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Saved: job title, company size." in page  # the message after the redirect
    assert "<div><b>job title</b>: Ops analyst → VP Sales</div>" in page  # the timeline, one line per field


def test_a_needs_info_lead_is_qualified_again_once_the_rep_fills_in_the_role(
    rep_client, django_capture_on_commit_callbacks
):
    lead = LeadFactory(email="dana@globex-logistics.com", job_title="", company_name="", company_size="",
                       pain_point="We lose inbound leads because nobody answers them for days.")
    runner.qualify([lead.pk])
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEEDS_INFO and "role" in lead.decision_reason
    question = EmailDraft.objects.get(lead=lead, state=EmailDraft.State.DRAFT)
    assert question.variant == EmailDraft.Variant.CLARIFYING_QUESTION
    score_before = lead.score_value

    # The lead wrote back: "I'm VP Sales at Globex, 200 people".
    with django_capture_on_commit_callbacks(execute=True):
        response = rep_client.post(f"/leads/{lead.pk}/edit/", _form(
            lead, job_title="VP Sales", company_name="Globex Logistics", company_size="51-200"))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Lead.Status.QUALIFIED
    assert lead.score_value != score_before and lead.qualified_at is not None
    question.refresh_from_db()
    assert question.state != EmailDraft.State.DRAFT  # the question is no longer the one to send
    page = rep_client.get(f"/leads/{lead.pk}/").content.decode()
    # Saved before the queued run went (here when the test's transaction "commits"), so the message says so.
    assert "The lead is being qualified again with the new details." in page
    assert '<span class="status status-QUALIFIED">Qualified</span>' in page


def test_a_bad_country_and_a_bad_email_are_shown_at_their_fields_and_nothing_is_saved(rep_client, lead, queued):
    response = rep_client.post(f"/leads/{lead.pk}/edit/",
                               _form(lead, email="dana-at-globex", country="Atlantis", job_title="VP Sales"))

    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was saved." in html and "Check Email, Country below." in html
    assert "&#x27;Atlantis&#x27; is not a country we recognise" in html
    assert "&#x27;dana-at-globex&#x27; is not a valid email address" in html
    assert 'value="dana-at-globex"' in html and 'value="VP Sales"' in html  # what was typed is kept
    assert "<details class=\"more-actions edit-details\" open>" in html
    lead.refresh_from_db()
    assert (lead.email, lead.country, lead.job_title) == ("dana@globex-logistics.com", "US", "Ops analyst")
    assert not ActivityLog.objects.filter(lead=lead, type=ActivityLog.Type.UPDATED).exists() and queued == []


def test_an_email_another_lead_has_is_refused_with_a_link_to_that_lead(rep_client, lead, htmx_headers, queued):
    other = LeadFactory(first_name="Kim", last_name="Osei", email="kim@northwindfreight.com")

    response = rep_client.post(f"/leads/{lead.pk}/edit/", _form(lead, email="KIM@northwindfreight.com"),
                               **htmx_headers)

    assert response.status_code == 422
    html = response.content.decode()
    assert f'is already the email of <a href="/leads/{other.pk}/">Kim Osei</a>' in html
    assert "&#x27;kim@northwindfreight.com&#x27; is already the email of Kim Osei" in html  # at the field
    lead.refresh_from_db()
    assert lead.email == "dana@globex-logistics.com"


def test_a_cleared_field_is_cleared_and_the_budget_amount_goes_with_its_range(
    rep_client, lead, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(f"/leads/{lead.pk}/edit/", _form(lead, phone="", budget_range="", urgency=""))

    lead.refresh_from_db()
    assert (lead.phone, lead.budget_range, lead.budget_amount, lead.urgency) == ("", "", None, "")
    changes = ActivityLog.objects.get(lead=lead, type=ActivityLog.Type.UPDATED).payload["changes"]
    assert changes["phone"] == ["+1 555 0100", ""] and changes["budget_amount"] == [20_000, None]
    assert queued == [lead.pk]


def test_a_lead_cannot_be_left_with_nothing_to_know_it_by(rep_client, queued):
    lead = LeadFactory(first_name="Dana", last_name="", email="", company_name="", external_id="")

    response = rep_client.post(f"/leads/{lead.pk}/edit/", _form(lead, first_name=""))

    assert response.status_code == 422
    assert "A lead needs at least an email, an id, a name or a company name" in response.content.decode()
    lead.refresh_from_db()
    assert lead.first_name == "Dana"


def test_saving_what_is_already_there_says_nothing_changed_and_logs_nothing(rep_client, lead, htmx_headers, queued):
    response = rep_client.post(f"/leads/{lead.pk}/edit/", _form(lead, email="Dana@Globex-Logistics.com"),
                               **htmx_headers)

    assert response.status_code == 200 and "Nothing changed." in response.content.decode()
    assert not ActivityLog.objects.filter(lead=lead, type=ActivityLog.Type.UPDATED).exists() and queued == []


def test_a_new_email_domain_moves_the_lead_to_that_company(rep_client, lead, queued):
    lead.company = CompanyFactory(domain="globex-logistics.com")
    lead.save()
    rep_client.post(f"/leads/{lead.pk}/edit/", _form(lead, email="dana@initech.io", website="initech.io",
                                                     company_name="Initech"))

    lead.refresh_from_db()
    assert lead.company.domain == "initech.io" and lead.company.name == "Initech"
    assert Company.objects.filter(domain="globex-logistics.com").exists()  # the old company is left alone


def test_an_htmx_save_gets_the_profile_with_the_heading_timeline_and_score_swapped_beside_it(
    rep_client, lead, htmx_headers, queued
):
    response = rep_client.post(f"/leads/{lead.pk}/edit/", _form(lead, first_name="Danielle"), **htmx_headers)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="card" id="profile">')
    assert "Saved: first name." in html
    assert '<div class="page-head" id="lead-head" hx-swap-oob="true">' in html and "Danielle Whitfield" in html
    assert '<section class="card" id="timeline" hx-swap-oob="true"' in html
    assert '<section class="card" id="score" hx-swap-oob="true"' in html
    assert '<section class="card" id="runs" hx-swap-oob="true">' in html


def test_editing_needs_login(client, lead):
    response = client.post(f"/leads/{lead.pk}/edit/", _form(lead, job_title="Hacker"))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    lead.refresh_from_db()
    assert lead.job_title == "Ops analyst"


def test_a_user_without_a_role_cannot_edit_a_lead(outsider_client, lead):
    assert outsider_client.post(f"/leads/{lead.pk}/edit/", _form(lead, job_title="Hacker")).status_code == 403
    lead.refresh_from_db()
    assert lead.job_title == "Ops analyst"


def test_with_a_worker_the_score_card_refreshes_itself_until_the_new_score_lands(
        rep_client, htmx_headers, queued, django_capture_on_commit_callbacks):
    lead = LeadFactory(email="dana@globex-logistics.com", job_title="", company_name="", company_size="",
                       pain_point="We lose inbound leads because nobody answers them for days.")
    runner.qualify([lead.pk])
    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(f"/leads/{lead.pk}/edit/", _form(
            Lead.objects.get(pk=lead.pk), job_title="VP Sales", company_name="Globex Logistics", company_size="51-200"))
    assert queued == [lead.pk]  # handed to the worker, which has not run yet

    page = rep_client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Being qualified with the new details" in page and 'hx-trigger="every 2s" hx-target="#score"' in page
    poll = {**htmx_headers, "HTTP_HX_TARGET": "score"}
    waiting = rep_client.get(f"/leads/{lead.pk}/", **poll).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and 'id="timeline"' not in waiting  # only the card, still asking

    runner.qualify([lead.pk])  # the worker's run lands
    landed = rep_client.get(f"/leads/{lead.pk}/", **poll).content.decode()
    lead.refresh_from_db()
    assert lead.status == Lead.Status.QUALIFIED
    assert "Being qualified" not in landed and 'hx-trigger="every 2s"' not in landed
    assert f"<strong>{lead.score_value} points of 100</strong>" in landed
    assert 'id="timeline" hx-swap-oob="true"' in landed and 'id="draft-editor" hx-swap-oob="true"' in landed


def test_a_lead_whose_run_failed_does_not_keep_the_page_asking(rep_client, lead, queued):
    from scoring.models import Trace

    Lead.objects.filter(pk=lead.pk).update(qualified_at=None)
    assert "Being qualified" in rep_client.get(f"/leads/{lead.pk}/").content.decode()
    Trace.objects.create(lead=lead, status=Trace.Status.FAILED, error="enrichment exploded")
    assert "Being qualified" not in rep_client.get(f"/leads/{lead.pk}/").content.decode()


@pytest.mark.parametrize(("gated", "changes"), [
    ({"budget_range": "$80,000", "budget_amount": 80_000}, {"budget_range": "$45k"}),
    ({"company_size": Lead.SizeBand.ENTERPRISE}, {"company_size": Lead.SizeBand.LARGE}),
])
def test_editing_a_gated_lead_below_the_gate_does_not_let_the_rep_send_its_fresh_draft(
    rep_client, lead, settings, htmx_headers, django_capture_on_commit_callbacks, gated, changes
):
    settings.ENTERPRISE_MIN_BUDGET = 50_000
    Lead.objects.filter(pk=lead.pk).update(job_title="VP Sales", **gated)
    runner.qualify([lead.pk])
    lead.refresh_from_db()
    assert lead.needs_approval

    with django_capture_on_commit_callbacks(execute=True):
        rep_client.post(f"/leads/{lead.pk}/edit/", _form(lead, **changes))

    lead.refresh_from_db()
    assert lead.needs_approval and lead.qualified_at is not None
    draft = EmailDraft.objects.get(lead=lead, state=EmailDraft.State.DRAFT)
    page = rep_client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Needs a manager's approval" in page and f"/drafts/{draft.pk}/approve/" not in page
    response = rep_client.post(f"/drafts/{draft.pk}/approve/", {}, **htmx_headers)
    assert response.status_code == 422 and "Only a manager can approve" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.DRAFT and draft.approved_by is None
