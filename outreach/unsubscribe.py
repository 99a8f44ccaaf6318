"""Unsubscribe links: an opaque token per address, and the URL every email's footer carries.

The token is the address encrypted and authenticated (AES-256-GCM, with keys derived from SECRET_KEY),
so a link names no one: an access log, an error report or a forwarded email shows only the token, and
nobody can make or alter one to unsubscribe someone else. Its nonce is derived from the address (as in
SIV), so every email to one address carries the same link and the footer a person previews is the one
sent. Links never expire: an unsubscribe request from an old email must still work (CAN-SPAM, RFC 8058).
What the page does with a valid token is `outreach.suppression.suppress`.

Keys: SECRET_KEY, then each of SECRET_KEY_FALLBACKS when reading, so rotating the key keeps old links
working. Links made before these tokens (the address signed with django.core.signing, readable as
base64) keep working too: they are as unforgeable as they were, and they already carry their address.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import signing
from django.urls import reverse

UNSUBSCRIBE_PATH = "/unsubscribe/"
# Marks this kind of token (and its version), so a signed link of the earlier kind is told apart.
PREFIX = "u1."
_SALT = "outreach.unsubscribe"
_NONCE_BYTES = 12
# Binds a token to its purpose: the same keys could never open anything else as an address.
_ASSOCIATED_DATA = b"leadops unsubscribe v1"


def _keys(secret: str) -> tuple[bytes, bytes]:
    """(encryption key, nonce key) for one secret."""
    def derive(purpose: str) -> bytes:
        return hmac.new(secret.encode(), f"{_SALT}.{purpose}".encode(), hashlib.sha256).digest()

    return derive("encryption"), derive("nonce")


def _secrets() -> Iterator[str]:
    yield settings.SECRET_KEY
    yield from getattr(settings, "SECRET_KEY_FALLBACKS", [])


def _normalized(email: str) -> str:
    return email.strip().lower()


def make_token(email: str) -> str:
    address = _normalized(email).encode()
    encryption_key, nonce_key = _keys(settings.SECRET_KEY)
    nonce = hmac.new(nonce_key, address, hashlib.sha256).digest()[:_NONCE_BYTES]
    sealed = AESGCM(encryption_key).encrypt(nonce, address, _ASSOCIATED_DATA)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def _open(token: str) -> str:
    body = token.removeprefix(PREFIX)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise signing.BadSignature("The token is not valid.") from None
    nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
    if len(nonce) < _NONCE_BYTES or not sealed:
        raise signing.BadSignature("The token is not valid.")
    for secret in _secrets():
        try:
            return AESGCM(_keys(secret)[0]).decrypt(nonce, sealed, _ASSOCIATED_DATA).decode()
        except (InvalidTag, UnicodeDecodeError):
            continue
    raise signing.BadSignature("The token is not valid.")


def read_token(token: str) -> str:
    """The address a token was made for; raises signing.BadSignature when it was made up or altered."""
    if token.startswith(PREFIX):
        email = _open(token)
    else:
        payload = signing.Signer(salt=_SALT).unsign_object(token)
        email = payload.get("e", "") if isinstance(payload, dict) else ""
    if not isinstance(email, str) or "@" not in email:
        raise signing.BadSignature("The token holds no address.")
    return email


def unsubscribe_url(email: str) -> str:
    return settings.SITE_URL + reverse("outreach:unsubscribe", args=[make_token(email)])
