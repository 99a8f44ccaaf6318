"""Writing a waiting draft again, on the lead page and in the review queue: another template of its kind, its own
template again, or the LLM with the rep's instruction. The new draft replaces the old one and waits for review."""

import pytest
from django.urls import reverse

from outreach.models import EmailDraft
from outreach.redrafting import REPLACED_REASON
from scoring.tests.fake_openai import Reply, task_data

pytestmark = pytest.mark.django_db
State = EmailDraft.State


def _waiting(draft_factory, **lead_fields):
    draft = draft_factory(variant="first_touch", template_key="first_touch", subject="Old subject",
                          body="Hi Dana,\n\nAn old draft nobody liked much at all.\n\nBest regards,\nRita")
    for name, value in lead_fields.items():
        setattr(draft.lead, name, value)
    draft.lead.save()
    return draft


def test_on_the_lead_page_a_rep_writes_a_draft_again_from_another_template_of_its_kind(
        rep_client, draft_factory, htmx_headers):
    draft = _waiting(draft_factory, source="outbound", first_name="Dana", company_name="Northwind Logistics")
    page = rep_client.get(draft.lead.get_absolute_url()).content.decode()
    assert "Write it again" in page and "First email (outbound) · Outbound leads" in page

    response = rep_client.post(reverse("outreach:draft_regenerate", args=[draft.pk]),
                               {"template": "first_touch_outbound"}, **htmx_headers)

    html = response.content.decode()
    assert response.status_code == 200 and 'id="draft-editor"' in html and "<html" not in html
    assert "Written again from the template; the earlier draft is cancelled." in html
    draft.refresh_from_db()
    assert draft.state == State.CANCELLED and draft.rejection_reason == REPLACED_REASON
    new = draft.lead.drafts.get(state=State.DRAFT)
    assert new.template_key == "first_touch_outbound" and new.template_version == 1 and new.variant == "first_touch"
    assert new.subject == "A question about new leads at Northwind Logistics" and "Thank" not in new.body


def test_in_the_review_queue_the_row_is_swapped_for_the_new_draft(rep_client, draft_factory, htmx_headers):
    draft = _waiting(draft_factory, source="web_form")
    assert "Write it again" in rep_client.get("/review/").content.decode()

    response = rep_client.post(reverse("outreach:draft_regenerate", args=[draft.pk]),
                               {"template": "first_touch", "from": "review"}, **htmx_headers)

    new = draft.lead.drafts.get(state=State.DRAFT)
    html = response.content.decode()
    assert response.status_code == 200 and f'id="draft-{new.pk}"' in html and "<html" not in html
    assert "Thank you for getting in touch through our website." in html


def test_the_llm_writes_it_again_with_the_reps_instruction(rep_client, draft_factory, htmx_headers, llm_on):
    draft = _waiting(draft_factory, source="web_form")
    llm_on.then(Reply(content={"subject": "Routing, briefly", "body": "A shorter note about routing and the webinar."}))

    response = rep_client.post(reverse("outreach:draft_regenerate", args=[draft.pk]),
                               {"use_llm": "on", "instruction": "shorter, mention the webinar"}, **htmx_headers)

    assert response.status_code == 200 and "Written again by the LLM" in response.content.decode()
    new = draft.lead.drafts.get(state=State.DRAFT)
    assert new.generated_by == "llm" and "the webinar" in new.body
    assert task_data(llm_on.requests[0])["rep_note"] == "shorter, mention the webinar"


def test_an_approved_draft_is_not_written_again_and_an_outsider_is_refused(
        rep_client, outsider_client, draft_factory, htmx_headers):
    draft = _waiting(draft_factory)
    EmailDraft.objects.filter(pk=draft.pk).update(state=State.APPROVED)

    response = rep_client.post(reverse("outreach:draft_regenerate", args=[draft.pk]), {}, **htmx_headers)

    assert response.status_code == 422 and "can no longer be changed" in response.content.decode()
    assert outsider_client.post(reverse("outreach:draft_regenerate", args=[draft.pk])).status_code == 403
    assert draft.lead.drafts.count() == 1


def test_a_draft_only_a_manager_may_approve_stays_so_when_a_rep_writes_it_again(rep_client, draft_factory):
    draft = _waiting(draft_factory)
    EmailDraft.objects.filter(pk=draft.pk).update(needs_approval=True, approval_reason="Enterprise lead")

    rep_client.post(reverse("outreach:draft_regenerate", args=[draft.pk]), {"template": "first_touch"})

    new = draft.lead.drafts.get(state=State.DRAFT)
    assert new.gated and new.gate_reason == "Enterprise lead"
