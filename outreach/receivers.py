"""How outreach answers what leads announces or asks for.

- `outcome_recorded`: an outcome that ends the conversation (or moves it to a meeting) stops the lead's
  follow-ups and cancels its unsent drafts.
- The lead export's extra columns: each lead's pending draft (the one a person reviews or has just
  approved), read for a whole batch of leads in one query.

Connected in `OutreachConfig.ready()`.
"""

from typing import Any

from outreach import stopping
from outreach.models import EmailDraft

# A draft still waiting to go out: the one a person reviews or has just approved.
PENDING_DRAFT_STATES = (EmailDraft.State.DRAFT, EmailDraft.State.APPROVED)
PENDING_DRAFT_COLUMNS = ("draft_variant", "draft_subject", "draft_body")


def stop_after_outcome(sender: Any, feedback: Any, lead: Any, actor: Any, status: str, **kwargs: Any) -> None:
    """`outcome_recorded`: no more automatic follow-ups once the outcome moves the lead on."""
    if status:
        stopping.stop(lead, feedback.get_outcome_display().lower(), actor=actor, cancel="all")


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
