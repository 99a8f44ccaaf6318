"""The bounce, automatic-reply and reply fixtures of this folder (see README.md), filled in."""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent


def load(name: str, *, message_id: str, recipient: str, mailbox: str = "rita@leadops.test") -> bytes:
    """The raw message `name` (.eml) naming our `message_id`, the lead's `recipient` and the rep's `mailbox`."""
    raw = (FOLDER / f"{name}.eml").read_bytes()
    for placeholder, value in (("MESSAGE_ID", message_id), ("RECIPIENT", recipient), ("MAILBOX", mailbox)):
        raw = raw.replace(b"{{%s}}" % placeholder.encode(), value.encode())
    # Mail on the wire has CRLF line ends; Dovecot stores what it is given.
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
