"""The Mailboxes page: managers add and edit mailboxes; secrets never come back; reps and outsiders are refused."""

import pytest

from outreach import credentials
from outreach.models import InboundMessage, Mailbox
from outreach.tests.conftest import MailboxFactory

pytestmark = pytest.mark.django_db

NEW = {"name": "Rita", "display_name": "Rita Lopez", "email": "rita@leadops.test", "auth": "password",
       "smtp_host": "smtp.example.test", "smtp_port": 587, "smtp_security": "starttls",
       "smtp_password": "app-password-1234", "imap_port": 993, "imap_security": "ssl", "imap_folder": "INBOX",
       "per_hour_cap": 60, "per_day_cap": 500}


def test_a_manager_adds_a_mailbox_and_its_password_is_never_shown_back(manager_client):
    response = manager_client.post("/mailboxes/", NEW)
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert credentials.decrypt(mailbox.smtp_secret) == "app-password-1234"
    page = manager_client.get(f"/mailboxes/{mailbox.pk}/").content.decode()
    assert "Rita Lopez &lt;rita@leadops.test&gt;" in page and "app-password-1234" not in page
    assert mailbox.smtp_secret not in page


def test_a_manager_sees_unmatched_messages_and_poll_errors(manager_client):
    mailbox = MailboxFactory(imap_host="imap.example.test", last_poll_error="Could not sign in to imap.example.test")
    InboundMessage.objects.create(mailbox=mailbox, uid_validity=1, uid=7, status=InboundMessage.Status.UNMATCHED,
                                  sender="someone@else.test", subject="Who is this?")
    page = manager_client.get("/mailboxes/").content.decode()
    assert "Who is this?" in page and "Could not sign in to imap.example.test" in page


def test_a_bad_form_over_htmx_gets_only_the_form_with_the_reason(manager_client, htmx_headers):
    response = manager_client.post("/mailboxes/", {**NEW, "email": "not-an-address"}, **htmx_headers)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="mailbox-form"' in html and "<html" not in html and "Enter a valid email address." in html


def test_the_page_needs_login(client):
    response = client.get("/mailboxes/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reps_and_outsiders_are_refused(rep_client, outsider_client):
    for client in (rep_client, outsider_client):
        assert client.get("/mailboxes/").status_code == 403
        assert client.post("/mailboxes/", NEW).status_code == 403
    assert not Mailbox.objects.exists()
