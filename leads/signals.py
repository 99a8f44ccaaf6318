"""What the leads app announces, so that the apps above it can act without `leads` importing them.

Receivers are connected in each listening app's `AppConfig.ready()`.
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal

# Leads were created, or their qualification inputs changed, and the caller asked for them to be
# qualified. Sent once the transaction that wrote them has committed; `lead_ids` is a list, `import_job` the id
# of the import they came from (or None), `actor` who brought them in (or None).
qualification_wanted = Signal()

# An outcome (`feedback`, a Feedback row) was recorded for `lead` by `actor`, with the status it implies
# (or "").
# Sent inside the transaction that recorded it, so receivers' writes commit or roll back with it.
outcome_recorded = Signal()

# A person's personal data is being erased (`lead`, its fields still as they were; `email`, its address as
# intake stored it; `actor`, a user or None; `reason`). Sent inside the erasure's transaction, before the lead
# and its timeline are cleared: receivers remove what their app keeps about the person (drafts, traces) and
# their writes commit or roll back with the erasure.
person_erased = Signal()

# A qualification run saved a new score and decision for leads. `changes` is a list of dicts, one per lead:
# lead_id, label_before ("" when never scored), label, action (Lead.Action) and reason (the decision's words).
# Sent by scoring once the batch committed, for every lead the run saved: scoring gives new leads an owner and
# call tasks (scoring.rep_work), outreach moves held leads into nurture and promoted ones out.
leads_scored = Signal()

# New leads were written (`lead_ids`, a list): sent once the transaction that wrote them has committed.
leads_created = Signal()

# Lead rows changed in a way that lists and counts show (created, imported, status, score, owner).
# Sent once the change has committed; receivers drop what they cached about the lead base.
leads_changed = Signal()


def announce_leads_changed() -> None:
    """Send `leads_changed` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: leads_changed.send(sender=None))


def ask_for_qualification(lead_ids: list[Any]) -> None:
    """Qualify these leads again (a person or a program asked): `qualification_wanted` once this commits."""
    transaction.on_commit(partial(qualification_wanted.send, sender=None, lead_ids=list(lead_ids)))

# A task (`task`, a leads.Task) was marked done. Sent once the transaction that completed it has committed
# (sender=Task), so a receiver (a sequence waiting on it) reads the task as done.
task_completed = Signal()

# A task (`task`, a leads.Task) will not be done: it was cancelled (`actor`, who cancelled it, or None) or deleted
# while still open. Sent once that has committed (sender=Task), so a sequence waiting on it can go on without it.
task_cancelled = Signal()
