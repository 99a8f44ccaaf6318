"""What outreach announces, so that the apps above it (webhooks) hear of it without outreach importing them.

Each is sent once the transaction that made the change has committed (`announce`), with ids only: a
receiver reads what it needs, and a rolled-back change is never announced.
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal

# A person (or the auto-approval of follow-ups) approved `draft_id` of `lead_id`.
draft_approved = Signal()
# The outbox delivered `draft_id` of `lead_id` (in mock mode too: that is where it would have gone).
email_sent = Signal()
# A reply (not a bounce) from `lead_id` was read from the mailbox or the inbound hook; `classification` says what kind.
reply_received = Signal()
# `lead_id` was put on the do-not-contact list (unsubscribe link, a reply asking to stop, a person); `reason`.
lead_unsubscribed = Signal()


def announce(signal: Signal, **kwargs: Any) -> None:
    transaction.on_commit(partial(signal.send, sender=None, **kwargs))
