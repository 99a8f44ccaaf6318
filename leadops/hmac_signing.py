"""The one HMAC signature scheme of the product's HTTP hooks, in and out.

`sha256=<hex>` of HMAC-SHA256 keyed with a shared secret over the timestamp (whole Unix seconds), a full
stop and the raw body: the inbound-email hook checks it, and webhooks out send it, so a receiver of ours
and a sender to us compute the same thing.
"""

import hashlib
import hmac


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header's value for this body signed at `timestamp` (what a sender computes)."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
