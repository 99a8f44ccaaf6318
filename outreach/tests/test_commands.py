from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from outreach.models import EmailDraft, Suppression


def test_run_outreach_sends_what_is_due_and_reports_it(draft_factory):
    draft = draft_factory(state=EmailDraft.State.APPROVED, approved_at=timezone.now())
    output = StringIO()
    call_command("run_outreach", stdout=output)
    draft.refresh_from_db()
    assert draft.state == EmailDraft.State.SENT
    assert output.getvalue().startswith("Sends: 1 sent. Follow-ups drafted: 0.")


def test_suppress_adds_addresses_and_domains_and_names_a_bad_target(db):
    output = StringIO()
    call_command("suppress", "Jane@Example.com", "@spam.test", "--reason", "complaint", stdout=output)
    assert set(Suppression.objects.values_list("email", "domain", "reason")) == {
        ("jane@example.com", "", "complaint"), ("", "spam.test", "complaint")}
    with pytest.raises(CommandError, match="'nobody'"):
        call_command("suppress", "nobody")
