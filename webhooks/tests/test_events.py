"""Each domain event reaches the endpoints that subscribed to it, as one event with its lead."""

import pytest

from leads.intake import ingest
from leads.models import Lead
from outreach import approval, replies
from outreach.models import EmailDraft, Suppression
from outreach.suppression import suppress
from outreach.tests.conftest import EmailDraftFactory
from scoring.pipeline.runner import qualify
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def hears_everything() -> Endpoint:
    # Nothing listens on port 9: the first attempt fails and the row waits for its retry, which is all these need.
    return Endpoint.objects.create(url="http://127.0.0.1:9/", events=list(Endpoint.Event.values))


def _events() -> list[str]:
    return sorted(Delivery.objects.values_list("event", flat=True))


def test_a_new_lead_is_announced_once_and_an_update_is_not(hears_everything, django_capture_on_commit_callbacks,
                                                           no_qualification):
    with django_capture_on_commit_callbacks(execute=True):
        lead = ingest({"email": "ada@acme-industries.com", "first_name": "Ada"}, source=Lead.Source.API).lead
        ingest({"email": "ada@acme-industries.com", "job_title": "CTO"}, source=Lead.Source.API)
    assert _events() == ["lead.created"]
    assert Delivery.objects.get().body["data"]["lead"]["id"] == str(lead.id)


def test_a_qualified_lead_is_announced(hears_everything, django_capture_on_commit_callbacks, lead_factory):
    lead = lead_factory(job_title="VP of Sales", company_size=Lead.SizeBand.MID, budget_range="$50k-$100k",
                        urgency="high", pain_point="Our reps lose leads in spreadsheets")
    with django_capture_on_commit_callbacks(execute=True):
        qualify([lead.id])
    lead.refresh_from_db()
    assert lead.status == Lead.Status.QUALIFIED
    assert "lead.qualified" in _events()


def test_approving_and_sending_a_draft_are_two_events(hears_everything, django_capture_on_commit_callbacks, manager):
    draft = EmailDraftFactory()
    with django_capture_on_commit_callbacks(execute=True):
        approval.approve(draft, manager)
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.SENT
    assert _events() == ["draft.approved", "email.sent"]
    sent = Delivery.objects.get(event="email.sent").body["data"]
    assert sent["draft"]["id"] == str(draft.pk) and sent["lead"]["id"] == str(draft.lead_id)


def test_a_reply_and_an_unsubscribe_are_announced(hears_everything, django_capture_on_commit_callbacks):
    draft = EmailDraftFactory(state=EmailDraft.State.SENT, message_id="<m1@leadops.test>")
    with django_capture_on_commit_callbacks(execute=True):
        replies.receive(replies.InboundEmail.model_validate({
            "from": draft.lead.email, "subject": "Re: hello", "text": "Sounds good, call me Tuesday.",
            "in_reply_to": "<m1@leadops.test>"}))
        suppress(email=draft.lead.email, reason=Suppression.Reason.UNSUBSCRIBED, source="unsubscribe link")
    assert _events() == ["lead.unsubscribed", "reply.received"]
