"""Signed unsubscribe links: the token in the link and the URL every email's footer carries.

The link carries the address signed with the project's SECRET_KEY (django.core.signing), so the
public page needs no login and cannot be used to unsubscribe someone else. Links never expire:
an unsubscribe request from an old email must still work (CAN-SPAM, RFC 8058). What the page does
with a valid token is `outreach.suppression.suppress`.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

UNSUBSCRIBE_PATH = "/unsubscribe/"
_SALT = "outreach.unsubscribe"


def make_token(email: str) -> str:
    return signing.Signer(salt=_SALT).sign_object({"e": email.strip().lower()}, compress=True)


def read_token(token: str) -> str:
    """The address a token was made for; raises signing.BadSignature when it was tampered with."""
    payload = signing.Signer(salt=_SALT).unsign_object(token)
    email = payload.get("e", "") if isinstance(payload, dict) else ""
    if "@" not in email:
        raise signing.BadSignature("The token holds no address.")
    return email


def unsubscribe_url(email: str) -> str:
    return settings.SITE_URL + reverse("outreach:unsubscribe", args=[make_token(email)])
