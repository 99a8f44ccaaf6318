"""The Sequences pages: a manager designs a sequence's steps and rules, reads a step's variants and retires one;
reps and outsiders are refused; an HTMX request gets only the partial."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import LeadFactory
from leads.models import ActivityLog
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceRule, SequenceStep

pytestmark = pytest.mark.django_db


def _form(sequence: Sequence, steps: list[dict[str, str]], rules: list[dict[str, str]] | None = None) -> dict:
    rules = rules or []
    data = {"name": sequence.name, "purpose": sequence.purpose, "is_active": "on",
            "steps-TOTAL_FORMS": str(len(steps)), "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "5", "rules-TOTAL_FORMS": str(len(rules)), "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0", "rules-MAX_NUM_FORMS": "1000"}
    for prefix, forms in (("steps", steps), ("rules", rules)):
        for number, fields in enumerate(forms):
            for key, value in fields.items():
                data[f"{prefix}-{number}-{key}"] = value
    return data


INTRO = {"position": "1", "kind": "email", "variant": "first_touch", "wait_business_days": "0",
         "template_keys": "first_touch", "tone": "warm", "length": "under 100 words"}


@pytest.fixture
def partners(db) -> Sequence:  # type: ignore[no-untyped-def]
    return Sequence.objects.create(name="Partners")


def test_a_manager_designs_a_sequence_with_an_ab_step_a_task_step_and_a_rule(manager_client, partners):
    data = _form(partners, [
        INTRO,
        {"position": "2", "kind": "email", "variant": "follow_up_1", "wait_business_days": "3",
         "template_keys": ["follow_up_1", "demo_invite"]},
        {"position": "3", "kind": "task", "variant": "follow_up_2", "wait_business_days": "2", "task_kind": "CALL",
         "task_title": "Call to ask whether the demo invite landed"},
    ], [{"position": "1", "source": "partner", "score_label": "HOT"}])
    response = manager_client.post(f"/sequences/{partners.pk}/", data)
    assert response.status_code == 302
    steps = list(partners.steps.values_list("position", "kind", "wait_business_days", "template_keys", "tone"))
    assert steps == [(1, "email", 0, ["first_touch"], "warm"), (2, "email", 3, ["follow_up_1", "demo_invite"], ""),
                     (3, "task", 2, [], "")]
    assert SequenceRule.objects.get(sequence=partners).summary == "Partner leads, HOT"
    page = manager_client.get("/sequences/").content.decode()
    assert "Partner leads, HOT" in page and "First touch → Follow-up 1 → Call" in page


def test_errors_name_the_field_and_the_value(manager_client, partners, htmx_headers):
    data = _form(partners, [{**INTRO, "position": "6"},
                            {"position": "2", "kind": "task", "variant": "follow_up_1", "wait_business_days": "1"},
                            {"position": "3", "kind": "email", "variant": "follow_up_2", "wait_business_days": "1",
                             "template_keys": "not_a_template"}])
    response = manager_client.post(f"/sequences/{partners.pk}/", data, **htmx_headers)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="sequence-form"' in html and "<html" not in html
    assert "Step 6 is out of range: a sequence has steps 1 to 5." in html
    assert "Choose what kind of task the rep gets" in html
    assert "“not_a_template” is not a template; choose from the list." in html
    assert not partners.steps.exists()


def test_a_rule_without_any_field_is_refused_in_words(manager_client, partners):
    response = manager_client.post(f"/sequences/{partners.pk}/", _form(partners, [INTRO], [{"position": "2"}]))
    assert response.status_code == 422
    assert "Give the rule a source, a label or an owner" in response.content.decode()


def test_a_manager_creates_a_sequence_from_the_list(manager_client):
    response = manager_client.post("/sequences/", {"name": "Events", "purpose": "follow_up", "is_active": "on"})
    assert response.status_code == 302 and Sequence.objects.filter(name="Events").exists()


def _sent(step: SequenceStep, key: str, replied: bool) -> None:
    lead = LeadFactory()
    enrollment = Enrollment.objects.create(lead=lead, sequence=step.sequence)
    sent_at = timezone.now() - timedelta(days=2)
    EmailDraft.objects.create(lead=lead, variant=step.variant, subject="s", body="b", template_key=key,
                              state=EmailDraft.State.SENT, sent_at=sent_at, sequence_step=step, enrollment=enrollment)
    if replied:
        ActivityLog.record(lead, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": "interested"})


def test_the_step_page_shows_each_variants_results_and_which_leads(manager_client):
    step = Sequence.objects.get(is_default=True).steps.get(position=2)
    for number in range(10):
        _sent(step, "value_proposition", replied=number < 1)
        _sent(step, "demo_invite", replied=number < 4)
    html = manager_client.get(f"/sequences/steps/{step.pk}/").content.decode()
    assert "Demo invitation" in html and "40%" in html and "10%" in html and "Interested: 4" in html
    assert "leads on reply rate" in html and "Opens are not counted" in html


def test_a_manager_retires_a_variant_and_over_htmx_gets_only_the_table(manager_client, htmx_headers):
    step = Sequence.objects.get(is_default=True).steps.get(position=2)
    response = manager_client.post(f"/sequences/steps/{step.pk}/variants/",
                                   {"template_key": "demo_invite", "action": "retire"}, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="variants"' in html and "<html" not in html
    assert "Retired “Demo invitation”: no new lead gets it." in html and "Use again" in html
    step.refresh_from_db()
    assert step.live_template_keys == ["value_proposition"]
    last = manager_client.post(f"/sequences/steps/{step.pk}/variants/",
                               {"template_key": "value_proposition", "action": "retire"}, **htmx_headers)
    assert last.status_code == 422 and "Keep at least one variant" in last.content.decode()


def test_the_pages_need_login(client):
    response = client.get("/sequences/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reps_and_outsiders_are_refused(rep_client, outsider_client):
    step = Sequence.objects.get(is_default=True).steps.first()
    for client in (rep_client, outsider_client):
        assert client.get("/sequences/").status_code == 403
        assert client.get(f"/sequences/{step.sequence_id}/").status_code == 403
        assert client.get(f"/sequences/steps/{step.pk}/").status_code == 403
        assert client.post(f"/sequences/steps/{step.pk}/variants/", {"template_key": "first_touch"}).status_code == 403
