"""The email line: the LLM never moves a lead across it alone; it may ask, and a person decides.

The line is the warm cut-off: a WARM or HOT lead gets a first-touch email, a COLD one is held for nurture.
Qualification bounds the LLM's adjustment so that the lead stays on the rules' side of that line
(scoring.pipeline.nodes) and routes it by the rules; when the LLM's bounded score lies across it, the run
keeps what it would have done on the lead (`Lead.enrichment["llm_would"]`: score, label, action, reason)
and the lead page shows it: "The LLM would email this lead" (or "would hold it"), with approve and decline.

- `approve(lead, user)` applies the LLM's score and route: a first-touch email is drafted from the template
  (it then waits in the review queue like any other), or the lead is held and its unsent first touch
  cancelled. `decline(lead, user)` keeps the rules' route. Either is one SCORED entry on the timeline that
  names the person, and clears the suggestion.
- A suggestion holds only while the lead is still routed as the run left it; a later qualification (the
  lead's details or the scoring changed) replaces it with its own, or with none.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from leadops.roles import has_role
from leads.models import ActivityLog, Lead
from leads.signals import announce_leads_changed
from outreach import drafting, redrafting
from outreach.models import EmailDraft

Action = Lead.Action
GONE = "There is no LLM suggestion waiting for this lead: it was decided, or the lead was qualified again."
HELD_REASON = "A person approved the LLM's suggestion to hold this lead"


def pending(lead: Lead) -> dict[str, Any] | None:
    """The LLM's waiting suggestion for this lead, or None (none made, decided, or routed otherwise since)."""
    would = (lead.enrichment or {}).get("llm_would")
    if not would or lead.status not in (Lead.Status.NEW, Lead.Status.QUALIFIED):
        return None
    opposite = {Action.SEND_EMAIL: Action.HOLD, Action.HOLD: Action.SEND_EMAIL}
    return would if opposite.get(would.get("action")) == lead.recommended_action else None


def _who(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _decided(lead: Lead, user: Any) -> tuple[Lead, dict[str, Any]]:
    if not has_role(user):
        raise PermissionDenied("Only reps and managers decide on the LLM's suggestions.")
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    would = pending(locked)
    if would is None:
        raise ValidationError(GONE)
    locked.enrichment = {**locked.enrichment, "llm_would": None}
    return locked, would


def approve(lead: Lead, user: Any) -> str:
    """Apply the LLM's score and route to the lead; returns what happened, in words for the page."""
    with transaction.atomic():
        locked, would = _decided(lead, user)
        points = int(would["score"]) - int(locked.score_value or 0)
        locked.score_factors = [*locked.score_factors, {
            "factor": f"LLM adjustment past the email line, approved by {_who(user)}", "points": points}]
        locked.score_value, locked.score_label = int(would["score"]), would["label"]
        locked.recommended_action = would["action"]
        emailed = would["action"] == Action.SEND_EMAIL
        next_step = "first-touch email" if emailed else "hold for nurture"
        locked.decision_reason = (f"{locked.score_label} at {locked.score_value}/100: {next_step} (the LLM's score, "
                                  f"approved by {_who(user)})")[:300]
        if emailed:
            locked.status = Lead.Status.QUALIFIED
        locked.save(update_fields=["enrichment", "score_factors", "score_value", "score_label", "recommended_action",
                                   "decision_reason", "status", "updated_at"])
        ActivityLog.record(locked, ActivityLog.Type.SCORED, actor=user, payload={
            "value": locked.score_value, "label": locked.score_label, "action": locked.recommended_action,
            "reason": f"the LLM's suggestion past the email line, approved by {_who(user)}"})
        if emailed:
            # The template's first touch: a request never waits on the LLM. It waits for approval as usual.
            redrafting.redraft(locked, user=user, template_key=EmailDraft.Variant.FIRST_TOUCH)
            outcome = "A first-touch email is drafted from the template and waits in the review queue."
        else:
            cancelled = drafting.supersede_pending([locked.pk], [EmailDraft.Variant.FIRST_TOUCH], HELD_REASON)
            outcome = "The lead is held for nurture" + ("; its unsent first touch is cancelled." if cancelled else ".")
        announce_leads_changed()
    lead.refresh_from_db()
    return outcome


def decline(lead: Lead, user: Any) -> str:
    """Keep the rules' route; the suggestion is cleared and the decision logged."""
    with transaction.atomic():
        locked, would = _decided(lead, user)
        locked.save(update_fields=["enrichment", "updated_at"])
        ActivityLog.record(locked, ActivityLog.Type.SCORED, actor=user, payload={
            "value": locked.score_value, "label": locked.score_label, "action": locked.recommended_action,
            "reason": f"the rules' route stands; the LLM's suggestion ({would['label']} at {would['score']}/100) "
                      f"was declined by {_who(user)}"})
        announce_leads_changed()
    lead.refresh_from_db()
    return "The rules' decision stands; the LLM's suggestion is declined."
