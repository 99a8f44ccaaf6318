"""Sending as the rep: the lead's mailbox, its caps, its encrypted secrets, and the footer real sends need."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import LeadFactory
from leadops import runtime
from outreach import credentials, drafting, mailboxes, quotas, sending
from outreach.credentials import CredentialsUnreadable
from outreach.mailbox_form import MailboxForm
from outreach.models import EmailDraft, Mailbox
from outreach.tests.conftest import MailboxFactory
from scoring.pipeline.state import LeadSnapshot

pytestmark = pytest.mark.django_db
State = EmailDraft.State


def test_a_leads_email_goes_from_its_owners_mailbox_else_the_teams_default(rep, manager):
    team = MailboxFactory(name="Team", display_name="Northwind Sales", email="sales@northwind.test",
                          is_team_default=True)
    ritas = MailboxFactory(owner=rep)
    assert mailboxes.for_lead(LeadFactory(owner=rep)) == ritas
    assert mailboxes.for_lead(LeadFactory(owner=manager)) == team
    assert mailboxes.for_lead(LeadFactory(owner=None)) == team


def test_drafts_are_signed_with_the_reps_name_not_the_products(rep):
    MailboxFactory(owner=rep, display_name="Rita Lopez")
    assert drafting.merge_fields(LeadFactory(owner=rep))["sender_name"] == "Rita Lopez"


def test_a_signature_line_whose_field_is_empty_is_left_out(rep):
    mailbox = MailboxFactory(owner=rep, sender_phone="")
    assert mailboxes.signature(mailbox) == ("Rita Lopez\nAccount Executive\n"
                                            "Book a time: https://cal.example.com/rita")


def test_passwords_are_stored_encrypted_and_never_shown_back():
    form = MailboxForm({"name": "Rita", "display_name": "Rita Lopez", "email": "rita@leadops.test",
                        "auth": "password", "smtp_host": "smtp.example.test", "smtp_port": 587,
                        "smtp_security": "starttls", "smtp_password": "hunter2-app-password", "imap_port": 993,
                        "imap_security": "ssl", "imap_folder": "INBOX", "per_hour_cap": 60, "per_day_cap": 500})
    assert form.is_valid(), form.errors
    mailbox = form.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT smtp_secret FROM outreach_mailbox WHERE id = %s", [mailbox.pk])
        stored = cursor.fetchone()[0]
    assert "hunter2" not in stored and credentials.decrypt(stored) == "hunter2-app-password"
    assert "hunter2" not in str(MailboxForm(instance=mailbox))
    # Saved again without typing it: the stored one stays.
    again = MailboxForm({**form.data, "smtp_password": ""}, instance=mailbox)
    assert again.is_valid() and credentials.decrypt(again.save().smtp_secret) == "hunter2-app-password"


def test_a_server_without_a_password_is_refused_by_name():
    form = MailboxForm({"name": "Rita", "display_name": "Rita", "email": "rita@leadops.test", "auth": "password",
                        "smtp_port": 587, "smtp_security": "starttls", "imap_host": "imap.example.test",
                        "imap_port": 993, "imap_security": "ssl", "imap_folder": "INBOX", "per_hour_cap": 60,
                        "per_day_cap": 500})
    assert form.errors == {"imap_password": ["Enter the IMAP password or token for this server."]}


def test_a_secret_sealed_with_another_key_says_to_enter_it_again(settings):
    token = credentials.encrypt("old-password")
    settings.MAILBOX_CREDENTIALS_KEYS = ["2yqGkC9SzBe3Th4S1vT4eCqJz8aQfFaG4sq2nyV3x1c="]
    with pytest.raises(CredentialsUnreadable, match="enter it again"):
        credentials.decrypt(token)


def test_a_mailbox_over_its_hourly_cap_waits_and_the_standing_says_until_when(rep, draft_factory):
    mailbox = MailboxFactory(owner=rep, per_hour_cap=2)
    now = timezone.now()
    for minutes in (50, 10):
        draft_factory(lead=LeadFactory(owner=rep), state=State.SENT, mailbox=mailbox,
                      claimed_at=now - timedelta(minutes=minutes), sent_at=now - timedelta(minutes=minutes))
    waiting = draft_factory(lead=LeadFactory(owner=rep), state=State.APPROVED, approved_at=now)

    assert sending.send(waiting.pk) == "deferred"
    waiting.refresh_from_db()
    assert waiting.deferred_reason == f"Over the cap of {mailbox.name}: 2 per hour"
    standing = quotas.mailbox_standing(mailbox, now)
    assert (standing["sent_last_hour"], standing["per_hour_cap"]) == (2, 2)
    assert standing["next_send_at"] == now - timedelta(minutes=50) + timedelta(hours=1)


def test_smtp_mode_sends_nothing_while_the_footer_holds_the_placeholder_address(rep, draft_factory, smtp_server,
                                                                                 settings):
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    runtime.update({"EMAIL_MODE": "smtp"})
    draft = draft_factory(state=State.APPROVED, approved_at=timezone.now())

    assert sending.send(draft.pk) == "held: footer not set"
    draft.refresh_from_db()
    assert draft.state == State.APPROVED and smtp_server.recorder.messages == []
    assert draft.deferred_reason.startswith("Not sending: SENDER_POSTAL_ADDRESS still holds the placeholder")

    runtime.update({"SENDER_POSTAL_ADDRESS": "Northwind Labs Ltd., 12 Harbour Road, Leith EH6 6AB, UK"})
    EmailDraft.objects.filter(pk=draft.pk).update(send_after=None)
    assert sending.send(draft.pk) == "held: footer not set"
    draft.refresh_from_db()
    assert draft.deferred_reason.startswith("Not sending: SENDER_COMPANY_NAME is empty")


def test_mock_mode_works_with_the_placeholder_footer(draft_factory):
    draft = draft_factory(state=State.APPROVED, approved_at=timezone.now())
    assert sending.send(draft.pk) == "sent"


def test_the_footer_names_the_company(rep, draft_factory, smtp_mode):
    draft = draft_factory(state=State.APPROVED, approved_at=timezone.now())
    assert sending.send(draft.pk) == "sent"
    body = smtp_mode.recorder.messages[0].get_content()
    assert "Northwind Labs, Northwind Labs Ltd." not in body and "Northwind Labs Ltd., 12 Harbour Road" in body


def test_a_mailbox_without_smtp_account_sends_through_the_default_server_as_the_rep(rep, draft_factory, smtp_mode):
    MailboxFactory(owner=rep, reply_to="rita.replies@leadops.test")
    draft = draft_factory(lead=LeadFactory(owner=rep), state=State.APPROVED, approved_at=timezone.now())
    assert sending.send(draft.pk) == "sent"
    message = smtp_mode.recorder.messages[0]
    assert (str(message["From"]), str(message["Reply-To"])) == ("Rita Lopez <rita@leadops.test>",
                                                                "rita.replies@leadops.test")
    assert str(message["Message-ID"]).endswith("@leadops.test>")
    assert EmailDraft.objects.get(pk=draft.pk).mailbox.owner == rep


def test_the_team_default_is_one_mailbox(db):
    MailboxFactory(name="Team", is_team_default=True)
    form = MailboxForm({"name": "Other", "display_name": "X", "email": "x@leadops.test", "auth": "password",
                        "is_team_default": "on", "smtp_port": 587, "smtp_security": "starttls", "imap_port": 993,
                        "imap_security": "ssl", "imap_folder": "INBOX", "per_hour_cap": 60, "per_day_cap": 500})
    assert form.errors == {"is_team_default": ["“Team” is the team's default; untick it there first."]}
    assert Mailbox.objects.count() == 1


def test_the_pipelines_snapshot_of_a_lead_is_signed_by_its_owners_mailbox(rep):
    MailboxFactory(owner=rep, display_name="Rita Lopez")
    assert drafting.merge_fields(LeadSnapshot.of(LeadFactory(owner=rep)))["sender_name"] == "Rita Lopez"
