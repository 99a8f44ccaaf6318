"""Reading raw messages: bounces from their delivery-status reports, automatic replies from their headers."""

import pytest

from outreach import mime
from outreach.tests.mail import load

SENT = "<20261201.first-touch@leadops.test>"
LEAD = "dana@recipient.test"


def read(name: str) -> mime.InboundEmail:
    return mime.parse(load(name, message_id=SENT, recipient=LEAD))


@pytest.mark.parametrize("name", ["gmail_hard_bounce", "exchange_hard_bounce", "postfix_hard_bounce",
                                  "qmail_hard_bounce"])
def test_a_hard_bounce_names_the_address_and_the_email_it_returns(name: str) -> None:
    message = read(name)
    assert (message.bounce, message.bounced_recipient, message.original_message_id) == ("hard", LEAD, SENT)
    assert not message.auto_reply


def test_a_delayed_delivery_report_is_a_soft_bounce() -> None:
    message = read("postfix_soft_bounce")
    assert (message.bounce, message.bounced_recipient, message.original_message_id) == ("soft", LEAD, SENT)


@pytest.mark.parametrize("name", ["gmail_vacation", "exchange_automatic_reply", "postfix_vacation"])
def test_automatic_replies_are_told_from_a_persons_answer(name: str) -> None:
    message = read(name)
    assert message.auto_reply and not message.bounce
    assert message.in_reply_to == SENT


def test_a_reply_keeps_the_persons_words_without_the_quoted_email() -> None:
    message = read("reply_with_quote")
    assert message.text == "Hi Rita,\n\nSounds good — Tuesday at 10 works for me. Send the invite.\n\nDana"
    assert not message.auto_reply and not message.bounce
    assert message.headers["References"] == SENT


def test_text_in_a_charset_python_does_not_know_is_still_read() -> None:
    assert "Gerne nächste Woche" in read("unknown_charset").text


def test_a_message_that_names_no_sender_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="no From, Sender or Return-Path"):
        read("no_sender")


def test_an_html_only_message_is_read_as_its_text() -> None:
    raw = (b"From: Dana <dana@recipient.test>\r\nSubject: Re: hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<html><head><style>p {color: red}</style></head><body><p>Yes, let&#39;s talk.</p></body></html>")
    assert mime.parse(raw).text == "Yes, let's talk."
