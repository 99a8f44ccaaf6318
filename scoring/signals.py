"""What scoring announces, so that the apps above it (webhooks) hear of it without scoring importing them."""

from django.dispatch import Signal

# A qualification run saved these leads as QUALIFIED (`lead_ids`, a list); sent once the batch committed.
leads_qualified = Signal()
# A qualification run saved these leads (`lead_ids`, a list), whatever it decided; sent once the batch committed.
# The apps above hang a rep's work on it (an owner by the assignment rules, a call task for a HOT lead without an
# email address).
leads_saved = Signal()
