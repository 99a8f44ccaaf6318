"""What scoring announces, so that the apps above it (webhooks) hear of it without scoring importing them."""

from django.dispatch import Signal

# A qualification run saved these leads as QUALIFIED (`lead_ids`, a list); sent once the batch committed.
leads_qualified = Signal()
# Every lead a run saved, whatever it decided, is announced by `leads.signals.leads_scored`.
