"""The one place that decides whether an email really leaves: mock or SMTP delivery.

EMAIL_MODE is a run-time setting (`leadops.runtime`), "mock" by default. In mock mode nothing is
sent: the caller keeps the message where a person can read it (the outbox on the lead's timeline,
the briefing in the log), and mail Django sends on its own (password reset) is logged by recipient
and subject only, since its body holds a sign-in link. In "smtp" mode Django's SMTP backend
delivers it with the EMAIL_* settings.

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
        self._smtp = SmtpBackend(fail_silently=self.fail_silently, **self._smtp_options)
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


def deliver(message: EmailMessage) -> str:
    """Send `message` unless mail is mocked; returns the mode it went out in.

    SMTP errors (smtplib's and OSError) reach the caller, which knows whether to retry.
    """
    current = mode()
    if current == SMTP:
        with EmailBackend(fail_silently=False) as connection:
            connection.send_messages([message])
    return current
