"""The one place that decides whether an email really leaves: mock or SMTP delivery.

EMAIL_MODE is a run-time setting (`leadops.runtime`), "mock" by default. In mock mode nothing is
sent and the caller keeps the message where a person can read it (the outbox on the lead's
timeline, the briefing in the log); in "smtp" mode Django's SMTP backend delivers it with the
EMAIL_* settings. The backend is named here rather than taken from EMAIL_BACKEND, which test
runners swap for an in-memory one: a test of SMTP mode talks to a real SMTP server.
"""

from django.core.mail import EmailMessage, get_connection

from leadops import runtime

MOCK = "mock"
SMTP = "smtp"
_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def mode() -> str:
    """The delivery mode in force now: MOCK or SMTP."""
    return str(runtime.get("EMAIL_MODE"))


def deliver(message: EmailMessage) -> str:
    """Send `message` unless mail is mocked; returns the mode it went out in.

    SMTP errors (smtplib's and OSError) reach the caller, which knows whether to retry.
    """
    current = mode()
    if current == SMTP:
        with get_connection(_SMTP_BACKEND, fail_silently=False) as connection:
            connection.send_messages([message])
    return current
