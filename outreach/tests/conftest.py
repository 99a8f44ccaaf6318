"""Outreach fixtures: a real SMTP server on 127.0.0.1 that records what arrived (with or without AUTH),
a throw-away Dovecot IMAP server, and draft and mailbox factories."""

import asyncio
import email
import email.policy
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage

import factory
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from conftest import LeadFactory
from leadops import runtime
from leads.signals import leads_changed
from outreach import credentials
from outreach.models import EmailDraft, Mailbox
from outreach.tests.dovecot import Dovecot
from scoring.tests.conftest import fake_llm, llm_on  # noqa: F401  (the fake OpenAI server, shared)

BODY = (
    "Hi Dana,\n\nThanks for reaching out about lead routing. Teams like Acme often come to us when "
    "that starts slowing down the pipeline. Would a 20-minute call next week work?\n\nBest regards,\nSam"
)


class EmailDraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailDraft

    lead = factory.SubFactory(LeadFactory)
    variant = EmailDraft.Variant.FIRST_TOUCH
    subject = "Acme Industries and lead routing"
    body = BODY
    to_email = factory.LazyAttribute(lambda draft: draft.lead.email)


@dataclass
class Recorder:
    """The SMTP server's handler: keeps each accepted message; can refuse or hold them on request."""

    messages: list[ParsedMessage] = field(default_factory=list)
    refuse_recipients_with: str = ""
    refuse_data_with: str = ""
    # Cleared: DATA waits (a message "in flight") until the test sets it.
    release: threading.Event = field(default_factory=threading.Event)
    data_started: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.release.set()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        if self.refuse_recipients_with:
            return self.refuse_recipients_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_started.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)
        if self.refuse_data_with:
            return self.refuse_data_with
        self.messages.append(email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.messages]


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: Recorder
    # Who signed in (AUTH), one entry per accepted login.
    logins: list[str] = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd on an ephemeral port, in its own thread and event loop."""
    yield from _running_smtp_server({})


SMTP_USERS = {"rita@leadops.test": "rita-smtp-secret"}


@pytest.fixture
def authenticated_smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd that requires AUTH (PLAIN or LOGIN) with one of SMTP_USERS, as a provider's submission port does."""
    yield from _running_smtp_server(SMTP_USERS)


def _running_smtp_server(users: dict[str, str]) -> Iterator[SmtpServer]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    recorder = Recorder()
    logins: list[str] = []

    def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                     auth_data: LoginPassword) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        if users.get(login) == password:
            logins.append(login)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    options = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False} if users else {}
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(recorder, hostname="mx.test", **options), host="127.0.0.1", port=0)
    )
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder, logins)
    finally:
        recorder.release.set()
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)


@pytest.fixture
def smtp_mode(smtp_server: SmtpServer, settings, db) -> SmtpServer:  # type: ignore[no-untyped-def]
    """EMAIL_MODE=smtp, pointed at the test server (in this process)."""
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    # Real sends need the company's own footer (outreach.compliance.not_ready_for_real_sends).
    settings.SENDER_POSTAL_ADDRESS = "Northwind Labs Ltd., 12 Harbour Road, Leith EH6 6AB, UK"
    settings.SENDER_COMPANY_NAME = "Northwind Labs"
    runtime.update({"EMAIL_MODE": "smtp"})
    return smtp_server


IMAP_USERS = {"rita@leadops.test": "rita-imap-secret", "sam@leadops.test": "sam-imap-secret"}


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the tests' own (own config, port and users), started once and stopped at the end."""
    server = Dovecot(IMAP_USERS)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def empty_inbox(dovecot: Dovecot) -> Dovecot:
    """Rita's INBOX with nothing in it (each test starts from an empty folder)."""
    client = dovecot.client("rita@leadops.test")
    try:
        client.select("INBOX")
        status, data = client.uid("SEARCH", None, "ALL")
        if data[0]:
            client.uid("STORE", b",".join(data[0].split()).decode(), "+FLAGS.SILENT", "(\\Deleted)")
            client.expunge()
    finally:
        client.logout()
    return dovecot


class MailboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mailbox

    name = factory.Sequence(lambda n: f"Mailbox {n}")
    display_name = "Rita Lopez"
    email = "rita@leadops.test"
    signature = "{name}\n{title}\n{phone}\nBook a time: {booking_link}"
    sender_title = "Account Executive"
    sender_phone = "+44 131 496 0000"
    booking_link = "https://cal.example.com/rita"
    smtp_host = ""
    smtp_security = Mailbox.Security.NONE
    imap_host = ""
    imap_security = Mailbox.Security.NONE


@pytest.fixture
def rita_mailbox(db, rep, empty_inbox: Dovecot, authenticated_smtp_server: SmtpServer) -> Mailbox:  # type: ignore[no-untyped-def]
    """The rep's mailbox: her SMTP account on the AUTH-requiring aiosmtpd, her replies in Dovecot."""
    return MailboxFactory(
        owner=rep, smtp_host=authenticated_smtp_server.host, smtp_port=authenticated_smtp_server.port,
        smtp_username="rita@leadops.test", smtp_secret=credentials.encrypt(SMTP_USERS["rita@leadops.test"]),
        imap_host="127.0.0.1", imap_port=empty_inbox.port, imap_username="rita@leadops.test",
        imap_secret=credentials.encrypt(IMAP_USERS["rita@leadops.test"]),
    )


@pytest.fixture(autouse=True)
def _always_open_send_window(settings) -> None:  # type: ignore[no-untyped-def]
    """Most tests are about other things than the window; the window tests set their own."""
    settings.SEND_WINDOW_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    settings.SEND_WINDOW_HOURS = "00:00-24:00"


@pytest.fixture
def announcements() -> Iterator[list[dict]]:
    """Each `leads_changed` sent while the test runs (run on-commit callbacks to hear them)."""
    heard: list[dict] = []

    def listen(**kwargs: object) -> None:
        heard.append(kwargs)

    leads_changed.connect(listen)
    try:
        yield heard
    finally:
        leads_changed.disconnect(listen)


@pytest.fixture
def draft_factory(db) -> type[EmailDraftFactory]:  # type: ignore[no-untyped-def]
    return EmailDraftFactory


@pytest.fixture
def lead_factory(db) -> type[LeadFactory]:  # type: ignore[no-untyped-def]
    return LeadFactory
