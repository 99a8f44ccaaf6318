"""leadops.mail: the one place that decides whether an email really leaves."""

import socket

import pytest
import time_machine
from django.core.mail import EmailMessage, send_mail
from django.test import Client

from leadops import mail, runtime
from leadops import settings as project_settings

RESET = "/accounts/password_reset/"


@pytest.fixture
def nothing_listening(settings):  # type: ignore[no-untyped-def]
    """EMAIL_HOST/PORT on a port where no SMTP server listens: any delivery attempt fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2


def _message() -> EmailMessage:
    return EmailMessage(subject="Hello", body="Hi Dana", from_email="sales@example.com", to=["dana@acme.com"])


def test_mock_mode_is_the_default_and_sends_nothing(db, nothing_listening):
    assert mail.mode() == mail.MOCK
    assert mail.deliver(_message()) == mail.MOCK


def test_smtp_mode_really_connects_and_leaves_the_error_to_the_caller(db, nothing_listening):
    runtime.update({"EMAIL_MODE": "smtp"})
    assert mail.mode() == mail.SMTP
    with pytest.raises(OSError):
        mail.deliver(_message())


@pytest.fixture
def project_mail(settings, smtp_server):  # type: ignore[no-untyped-def]
    """Django's mail as the project configures it (test runners swap in an in-memory backend), at a real server."""
    settings.EMAIL_BACKEND = project_settings.EMAIL_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    return smtp_server


def test_every_email_django_sends_goes_through_the_one_mail_backend():
    assert project_settings.EMAIL_BACKEND == "leadops.mail.EmailBackend"


def test_a_password_reset_in_mock_mode_sends_nothing(client, rep, project_mail):
    response = client.post(RESET, {"email": rep.email})
    assert response.status_code == 302
    assert project_mail.recorder.messages == []


def test_a_password_reset_in_smtp_mode_is_delivered(client, rep, project_mail):
    runtime.update({"EMAIL_MODE": "smtp"})
    client.post(RESET, {"email": rep.email})
    [message] = project_mail.recorder.messages
    assert message["To"] == rep.email and "/accounts/reset/" in message.get_content()


def test_switching_back_to_mock_stops_the_next_email(rep, project_mail):
    runtime.update({"EMAIL_MODE": "smtp"})
    send_mail("One", "Sent", "ops@example.com", [rep.email])
    runtime.update({"EMAIL_MODE": "mock"})
    send_mail("Two", "Not sent", "ops@example.com", [rep.email])
    assert [message["Subject"] for message in project_mail.recorder.messages] == ["One"]


@time_machine.travel("2026-01-05 10:00:00", tick=False)  # one rate-limit window
def test_password_reset_is_rate_limited_per_client_address_and_per_address_asked_for(rep, project_mail, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "3/h"
    client = Client()
    statuses = [client.post(RESET, {"email": rep.email}).status_code for _ in range(3)]
    refused = client.post(RESET, {"email": "a@leadops.example.com"})
    assert [*statuses, refused.status_code] == [302, 302, 302, 429]  # the fourth from this client address
    assert "Please wait an hour before asking for another reset link." in refused.content.decode()

    elsewhere = Client(REMOTE_ADDR="127.0.0.2")
    assert elsewhere.post(RESET, {"email": f" {rep.email.upper()}"}).status_code == 429  # the address's fourth
    assert elsewhere.post(RESET, {"email": "b@leadops.example.com"}).status_code == 302
    assert len(project_mail.recorder.messages) == 0  # mock mode all along
