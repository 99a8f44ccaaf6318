"""How outreach answers what leads announces or asks for.

- `outcome_recorded`: an outcome that ends the conversation (or moves it to a meeting) stops the lead's
  follow-ups and cancels its unsent drafts.
- `person_erased`: the person's drafts and sent emails lose their text and address, their sequence stops,
  and their address stays on the do-not-contact list only as a hash.
- `leads_scored`: a re-score moves held leads into nurture and promoted ones out of it (`outreach.nurture`).
- The lead export's extra columns: each lead's pending draft (the one a person reviews or has just
  approved), read for a whole batch of leads in one query.

Connected in `OutreachConfig.ready()`.
"""

from typing import Any

from django.db.models import Q

from leads.erasure import ERASED
from outreach import nurture, stopping
from outreach.models import EmailDraft, Suppression
from outreach.suppression import address_hash

# A draft still waiting to go out: the one a person reviews or has just approved.
PENDING_DRAFT_STATES = (EmailDraft.State.DRAFT, EmailDraft.State.APPROVED)
PENDING_DRAFT_COLUMNS = ("draft_variant", "draft_subject", "draft_body")


def stop_after_outcome(sender: Any, feedback: Any, lead: Any, actor: Any, status: str, **kwargs: Any) -> None:
    """`outcome_recorded`: no more automatic follow-ups once the outcome moves the lead on."""
    if status:
        stopping.stop(lead, feedback.get_outcome_display().lower(), actor=actor, cancel="all")


def route_after_scoring(sender: Any, changes: list[dict[str, Any]], **kwargs: Any) -> None:
    """`leads_scored` (after the batch committed): nurture for held leads, the normal route for promoted ones."""
    nurture.after_scoring(changes)


def forget_person(sender: Any, lead: Any, email: str, actor: Any, reason: str, **kwargs: Any) -> None:
    """`person_erased`: nothing of the person stays in outreach but a hash of the address on the list."""
    stopping.stop(lead, "personal data erased", actor=actor, cancel="all")
    # An email being handed to the server right now: the outbox's final update finds it cancelled.
    EmailDraft.objects.filter(lead=lead, state=EmailDraft.State.SENDING).update(state=EmailDraft.State.CANCELLED)
    EmailDraft.objects.filter(lead=lead).update(
        subject=ERASED, body="", original_subject="", original_body="",
        to_email="", message_id="", rejection_reason="", failure_reason="",
        deferred_reason="", approval_reason="", lint={},
    )
    if not email:
        return
    hashed = address_hash(email)
    listed = Suppression.objects.filter(Q(email=email) | Q(email=hashed)).order_by("created_at")
    rows = list(listed)
    if rows:
        # Keep the oldest row's reason and date (when they first asked not to be contacted), now by hash.
        kept, *others = rows
        Suppression.objects.filter(pk__in=[row.pk for row in others]).delete()
        Suppression.objects.filter(pk=kept.pk).update(email=hashed, notes="")
    else:
        Suppression.objects.create(email=hashed, reason=Suppression.Reason.OPTED_OUT,
                                   source=f"erasure ({reason})"[:100], created_by=actor)


def pending_draft_columns(lead_ids: list[Any]) -> dict[Any, dict[str, str]]:
    """The newest draft or approved email per lead of one export batch, as export columns, in one query."""
    found: dict[Any, dict[str, str]] = {}
    rows = (
        EmailDraft.objects.filter(lead_id__in=lead_ids, state__in=PENDING_DRAFT_STATES)
        .order_by("lead_id", "-created_at")
        .values_list("lead_id", "variant", "subject", "body")
    )
    for lead_id, variant, subject, body in rows:
        if lead_id not in found:
            found[lead_id] = {"draft_variant": variant, "draft_subject": subject, "draft_body": body}
    return found
