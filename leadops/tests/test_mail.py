"""leadops.mail: the one place that decides whether an email really leaves."""

import socket

import pytest
from django.core.mail import EmailMessage

from leadops import mail, runtime


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
