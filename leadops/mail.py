"""The one place that decides whether an email really leaves: mock or SMTP delivery.

EMAIL_MODE is a run-time setting (`leadops.runtime`), "mock" by default. In mock mode nothing is
sent: the caller keeps the message where a person can read it (the outbox on the lead's timeline,
the briefing in the log), and mail Django sends on its own (password reset) is logged by recipient
and subject only, since its body holds a sign-in link. In "smtp" mode Django's SMTP backend
delivers it with the EMAIL_* settings.

`deliver` takes the connection options of the mailbox a message goes out from (outreach.mailboxes); with
none it uses the EMAIL_* server. `oauth2_token` signs in with XOAUTH2 (Gmail, Microsoft 365) instead of a
password.

`EmailBackend` is settings.EMAIL_BACKEND, so Django's own mail obeys the mode like outreach does.
`deliver` names it itself rather than going through EMAIL_BACKEND, which test runners swap for an
in-memory one: a test of SMTP mode talks to a real SMTP server.
"""

import logging
from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from leadops import runtime

logger = logging.getLogger(__name__)

MOCK = "mock"
SMTP = "smtp"


def mode() -> str:
    """The delivery mode in force now: MOCK or SMTP."""
    return str(runtime.get("EMAIL_MODE"))


class EmailBackend(BaseEmailBackend):
    """Django's email backend for every path: SMTP when EMAIL_MODE is smtp, else nothing leaves.

    The mode is read when a connection opens, so a manager's switch to mock stops the next email.
    """

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self._smtp_options = kwargs
        self._smtp: SmtpBackend | None = None

    def open(self) -> bool:
        if mode() != SMTP or self._smtp is not None:
            return False
        options = dict(self._smtp_options)
        token = options.pop("oauth2_token", "")
        self._smtp = (OAuth2SmtpBackend(token, fail_silently=self.fail_silently, **options) if token
                      else SmtpBackend(fail_silently=self.fail_silently, **options))
        return bool(self._smtp.open())

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        if mode() != SMTP:
            for message in email_messages:
                logger.info("Mock mode: email not sent to %s (subject %r)", ", ".join(message.recipients()),
                            message.subject)
            return len(email_messages)
        opened_here = self._smtp is None
        if opened_here:
            self.open()
        assert self._smtp is not None
        try:
            return int(self._smtp.send_messages(list(email_messages)) or 0)
        finally:
            if opened_here:
                self.close()


class OAuth2SmtpBackend(SmtpBackend):
    """Django's SMTP backend signing in with an OAuth2 access token (SASL XOAUTH2) instead of a password."""

    def __init__(self, token: str, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "password": ""})
        self._token = token

    def open(self) -> bool | None:
        opened = super().open()
        if opened and self.connection is not None:
            user, token = self.username, self._token
            self.connection.ehlo_or_helo_if_needed()
            self.connection.auth("XOAUTH2", lambda challenge=None: f"user={user}\x01auth=Bearer {token}\x01\x01")
        return opened


def deliver(message: EmailMessage, **connection: Any) -> str:
    """Send `message` unless mail is mocked; returns the mode it went out in.

    `connection` overrides the EMAIL_* options (host, port, username, password or oauth2_token, use_tls,
    use_ssl). SMTP errors (smtplib's and OSError) reach the caller, which knows whether to retry.
    """
    current = mode()
    if current == SMTP:
        with EmailBackend(fail_silently=False, **connection) as backend:
            backend.send_messages([message])
    return current
