"""Reading the rep's inbox from a real Dovecot: replies stop the sequence, bounces suppress, out-of-office
keeps it going, every message is read exactly once, and bad mail or a bad server never stops the poll."""

import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage as NewMessage

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import LeadFactory
from leads.models import ActivityLog, Lead
from outreach import inbox, sending, tasks
from outreach.models import EmailDraft, Enrollment, InboundMessage, Mailbox, Suppression
from outreach.tests.mail import load

RITA = "rita@leadops.test"
PROCESSED = inbox.PROCESSED_FLAG.encode()


def send_first_touch(rep, draft_factory, email: str, first_name: str) -> EmailDraft:  # type: ignore[no-untyped-def]
    lead = LeadFactory(owner=rep, email=email, first_name=first_name, status=Lead.Status.QUALIFIED)
    draft = draft_factory(lead=lead, state=EmailDraft.State.APPROVED, approved_by=rep, approved_at=timezone.now())
    assert sending.send(draft.pk) == "sent"
    draft.refresh_from_db()
    return draft


def newsletter() -> bytes:
    message = NewMessage()
    message["From"] = "Weekly Digest <digest@news.example.org>"
    message["To"] = RITA
    message["Subject"] = "This week in sales tooling"
    message["Message-ID"] = "<digest-49@news.example.org>"
    message.set_content("Ten links you may have missed.")
    return bytes(message)


def test_a_reply_in_the_reps_inbox_stops_the_sequence_a_bounce_suppresses_and_an_out_of_office_does_not(
        rita_mailbox: Mailbox, empty_inbox, smtp_mode, authenticated_smtp_server, draft_factory, rep, rep_client):  # type: ignore[no-untyped-def]
    dana = send_first_touch(rep, draft_factory, "dana@recipient.test", "Dana")
    omar = send_first_touch(rep, draft_factory, "omar@elsewhere.test", "Omar")
    bea = send_first_touch(rep, draft_factory, "bea@gone.test", "Bea")
    # Sent as the rep, signed in to her own SMTP account.
    arrived = authenticated_smtp_server.recorder.messages
    assert [str(message["From"]) for message in arrived] == ["Rita Lopez <rita@leadops.test>"] * 3
    assert authenticated_smtp_server.logins == [RITA] * 3 and smtp_mode.recorder.messages == []
    assert all(Enrollment.objects.get(lead=draft.lead).status == Enrollment.Status.ACTIVE
               for draft in (dana, omar, bea))

    server = empty_inbox
    server.deliver(RITA, load("reply_with_quote", message_id=dana.message_id, recipient=dana.lead.email),
                   load("gmail_vacation", message_id=omar.message_id, recipient=omar.lead.email),
                   load("gmail_hard_bounce", message_id=bea.message_id, recipient=bea.lead.email),
                   newsletter())

    assert tasks.poll_mailboxes() == 1  # the beat job; tasks run inline in the tests

    assert Enrollment.objects.get(lead=dana.lead).status == Enrollment.Status.STOPPED
    reply = dana.lead.activities.get(type=ActivityLog.Type.REPLY_RECEIVED)
    assert reply.payload["text"] == "Hi Rita,\n\nSounds good — Tuesday at 10 works for me. Send the invite.\n\nDana"
    assert reply.payload["matched_by"] == "message_id"
    page = rep_client.get(reverse("leads:detail", args=[dana.lead.pk])).content.decode()
    assert "Tuesday at 10 works for me" in page and "wrote:" not in page

    assert Enrollment.objects.get(lead=omar.lead).status == Enrollment.Status.ACTIVE
    assert omar.lead.activities.get(type=ActivityLog.Type.REPLY_RECEIVED).payload["classification"] == "out_of_office"

    assert Suppression.objects.get(email="bea@gone.test").reason == Suppression.Reason.BOUNCED
    assert Enrollment.objects.get(lead=bea.lead).status == Enrollment.Status.STOPPED

    unmatched = InboundMessage.objects.get(status=InboundMessage.Status.UNMATCHED)
    assert unmatched.subject == "This week in sales tooling" and unmatched.lead is None
    assert all(PROCESSED in flags for flags in server.flags(RITA).values())

    # Restarting the worker: a new poll reads nothing again ...
    activities = ActivityLog.objects.count()
    again = inbox.poll(rita_mailbox.pk)
    assert (again.read, again.error) == (0, "")
    # ... even when the worker died after acting and before flagging (flags and last_uid lost).
    client = server.client(RITA)
    client.select("INBOX")
    client.uid("STORE", "1:*", "-FLAGS.SILENT", f"({inbox.PROCESSED_FLAG})")
    client.logout()
    Mailbox.objects.filter(pk=rita_mailbox.pk).update(last_uid=0)
    replayed = inbox.poll(rita_mailbox.pk)
    assert (replayed.already_done, replayed.read) == (4, 0)
    assert ActivityLog.objects.count() == activities
    assert all(PROCESSED in flags for flags in server.flags(RITA).values())


def test_a_follow_up_goes_out_in_the_same_thread_from_the_same_mailbox(
        rita_mailbox, smtp_mode, authenticated_smtp_server, draft_factory, rep):  # type: ignore[no-untyped-def]
    first = send_first_touch(rep, draft_factory, "dana@recipient.test", "Dana")
    follow_up = draft_factory(lead=first.lead, variant=EmailDraft.Variant.FOLLOW_UP_1, state=EmailDraft.State.APPROVED,
                              approved_at=timezone.now())
    assert sending.send(follow_up.pk) == "sent"
    second = authenticated_smtp_server.recorder.messages[-1]
    assert (str(second["In-Reply-To"]), str(second["References"])) == (first.message_id, first.message_id)
    assert str(second["From"]) == "Rita Lopez <rita@leadops.test>"
    assert "Account Executive\n+44 131 496 0000\nBook a time: https://cal.example.com/rita" in (
        second.get_content().replace("\r\n", "\n"))


def test_a_20_mb_attachment_is_not_downloaded_and_the_reply_is_still_read(
        rita_mailbox, empty_inbox, smtp_mode, draft_factory, rep):  # type: ignore[no-untyped-def]
    dana = send_first_touch(rep, draft_factory, "dana@recipient.test", "Dana")
    message = NewMessage()
    message["From"], message["To"], message["Subject"] = "Dana <dana@recipient.test>", RITA, "Re: our call"
    message["In-Reply-To"], message["Message-ID"] = dana.message_id, "<big-1@recipient.test>"
    message.set_content("Interested. The deck is attached.")
    message.add_attachment(b"\x00" * (20 * 1024 * 1024), maintype="application", subtype="pdf", filename="deck.pdf")
    empty_inbox.deliver(RITA, bytes(message))

    result = inbox.poll(rita_mailbox.pk)

    assert (result.read, result.matched, result.failed) == (1, 1, 0)
    assert dana.lead.activities.get(type=ActivityLog.Type.REPLY_RECEIVED).payload["text"] == (
        "Interested. The deck is attached.")


def test_an_unreadable_message_is_logged_with_the_reason_never_flagged_and_the_rest_is_read(
        rita_mailbox, empty_inbox, smtp_mode, draft_factory, rep):  # type: ignore[no-untyped-def]
    dana = send_first_touch(rep, draft_factory, "dana@recipient.test", "Dana")
    empty_inbox.deliver(RITA, load("no_sender", message_id="", recipient=""),
                                  load("unknown_charset", message_id=dana.message_id, recipient=dana.lead.email))

    for _ in range(inbox.MAX_ATTEMPTS):
        result = inbox.poll(rita_mailbox.pk)

    broken = InboundMessage.objects.get(status=InboundMessage.Status.FAILED)
    assert broken.error == "Unreadable message: the message has no From, Sender or Return-Path address"
    assert broken.attempts == inbox.MAX_ATTEMPTS
    assert "Gerne nächste Woche" in dana.lead.activities.get(type=ActivityLog.Type.REPLY_RECEIVED).payload["text"]
    flags = empty_inbox.flags(RITA)
    assert PROCESSED not in flags[min(flags)] and PROCESSED in flags[max(flags)]
    # Given up on after MAX_ATTEMPTS: the next poll no longer downloads it.
    assert result.read == 1 and inbox.poll(rita_mailbox.pk).read == 0


@pytest.fixture
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A TCP server on loopback that accepts connections and then says nothing (a hung IMAP server)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_server_that_does_not_answer_ends_the_poll_with_the_reason_instead_of_hanging(
        db, silent_server, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(inbox, "IMAP_TIMEOUT", 1)
    mailbox = Mailbox.objects.create(name="Hung", display_name="Rita", email=RITA, imap_host="127.0.0.1",
                                     imap_port=silent_server[0], imap_security=Mailbox.Security.NONE)
    result = inbox.poll(mailbox.pk)
    assert result.error.startswith("Could not sign in to 127.0.0.1: ")
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == result.error and mailbox.last_polled_at is not None


def test_a_server_that_drops_the_connection_mid_poll_keeps_what_was_done(
        rita_mailbox, empty_inbox, smtp_mode, draft_factory, rep, monkeypatch):  # type: ignore[no-untyped-def]
    dana = send_first_touch(rep, draft_factory, "dana@recipient.test", "Dana")
    omar = send_first_touch(rep, draft_factory, "omar@elsewhere.test", "Omar")
    empty_inbox.deliver(RITA, load("reply_with_quote", message_id=dana.message_id,
                                             recipient=dana.lead.email))
    empty_inbox.deliver(RITA, load("postfix_vacation", message_id=omar.message_id,
                                             recipient=omar.lead.email))
    monkeypatch.setattr(inbox, "FETCH_BATCH", 1)
    real_read_batch = inbox._read_batch
    batches: list[int] = []

    def drop_after_first(client, *args, **kwargs):  # type: ignore[no-untyped-def]
        if batches:
            client.shutdown()  # the connection goes away under the poller, as a server restart would do it
        batches.append(1)
        return real_read_batch(client, *args, **kwargs)

    monkeypatch.setattr(inbox, "_read_batch", drop_after_first)
    result = inbox.poll(rita_mailbox.pk)
    assert result.error.startswith("The IMAP server 127.0.0.1 stopped answering")
    assert result.matched == 1
    monkeypatch.setattr(inbox, "_read_batch", real_read_batch)
    retried = inbox.poll(rita_mailbox.pk)
    assert (retried.read, retried.matched, retried.error) == (1, 1, "")
    assert ActivityLog.objects.filter(type=ActivityLog.Type.REPLY_RECEIVED).count() == 2


def test_a_recreated_folder_with_a_new_uidvalidity_is_read_again_from_its_first_message(
        rita_mailbox, empty_inbox, smtp_mode, draft_factory, rep):  # type: ignore[no-untyped-def]
    dana = send_first_touch(rep, draft_factory, "dana@recipient.test", "Dana")
    omar = send_first_touch(rep, draft_factory, "omar@elsewhere.test", "Omar")
    Mailbox.objects.filter(pk=rita_mailbox.pk).update(imap_folder="LeadOps Replies")
    client = empty_inbox.client(RITA)
    client.delete('"LeadOps Replies"')
    client.create('"LeadOps Replies"')
    client.append('"LeadOps Replies"', None, None, load("reply_with_quote", message_id=dana.message_id,
                                                          recipient=dana.lead.email))
    assert inbox.poll(rita_mailbox.pk).matched == 1
    client.delete('"LeadOps Replies"')
    client.create('"LeadOps Replies"')
    client.append('"LeadOps Replies"', None, None, load("postfix_vacation", message_id=omar.message_id,
                                                          recipient=omar.lead.email))
    client.logout()

    again = inbox.poll(rita_mailbox.pk)

    assert (again.read, again.matched) == (1, 1)
    rows = InboundMessage.objects.filter(mailbox=rita_mailbox).order_by("created_at")
    assert [row.uid for row in rows] == [1, 1] and rows[0].uid_validity != rows[1].uid_validity
    assert omar.lead.activities.filter(type=ActivityLog.Type.REPLY_RECEIVED).count() == 1
