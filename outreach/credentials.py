"""Mailbox passwords and OAuth2 tokens, encrypted at rest.

Fernet from `cryptography` (already a dependency): authenticated encryption, so a token altered in the
database fails to decrypt instead of yielding a wrong password. The keys come from
settings.MAILBOX_CREDENTIALS_KEYS; the first encrypts and every one decrypts (MultiFernet), so a key is
rotated by putting the new one first. With none set, one key is derived from SECRET_KEY, which keeps the
embedded default working with no set-up.

A secret never leaves this module except to open a connection: it is not logged, not put in an error
message and not rendered in a form.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnreadable(Exception):
    """The stored secret cannot be decrypted with the configured keys (a key was removed or changed)."""


def _cipher() -> MultiFernet:
    keys = [key.strip() for key in settings.MAILBOX_CREDENTIALS_KEYS if key.strip()]
    if not keys:
        derived = hashlib.sha256(f"leadops mailbox credentials:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(derived).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise CredentialsUnreadable(
            "MAILBOX_CREDENTIALS_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None


def encrypt(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CredentialsUnreadable(
            "The stored password cannot be read with MAILBOX_CREDENTIALS_KEYS (was the key changed?); "
            "enter it again on the mailbox's settings"
        ) from None
