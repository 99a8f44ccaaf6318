"""A fresh email for a lead whose draft was rejected or cancelled, so the lead page is never a dead end.

`redraft(lead, *, user, template_key=None, use_llm=False, instruction="") -> EmailDraft` writes a new
open draft the way the pipeline does: `drafting.render_variant` from a template (by default the
variant of the draft it replaces, else the one the lead's recommended action calls for), optionally
rewritten by the LLM through `outreach.llm_drafting.write` (the lead redacted, the fact check applied); the
rep's `instruction` travels to the model as our own data beside the lead's. The compliance lint is
stored on the draft as on every other, and the draft waits for approval (a gated lead's for a manager).

It refuses (ValidationError, in words a rep reads) a lead whose outreach has ended (disqualified,
meeting booked, closed, personal data erased), a lead without a usable address or on the do-not-contact
list, and a variant already approved or being sent: a sent or signed-off email is never replaced. An
older pending draft of the same variant is cancelled in its favour. One EMAIL_DRAFTED entry on the
timeline says who asked for it.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from leadops import llm
from leadops.roles import has_role
from leads.models import ActivityLog, Lead
from leads.signals import announce_leads_changed
from outreach import drafting, llm_drafting
from outreach.compliance import lint_draft
from outreach.models import EmailDraft
from outreach.suppression import suppression_for

State = EmailDraft.State
REPLACED_REASON = "Replaced by a new email a person asked for"
# The variant a lead's recommended action calls for when there is no earlier draft to follow.
_VARIANT_FOR_ACTION = {"ASK_QUESTION": EmailDraft.Variant.CLARIFYING_QUESTION}


def template_choices() -> list[tuple[str, str]]:
    """(key, label) of every email template a rep may write from, in the order the file lists them."""
    labels = dict(EmailDraft.Variant.choices)
    return [(key, labels.get(key, key.replace("_", " ").capitalize())) for key in drafting.load_templates()]


def default_variant(lead: Lead) -> str:
    """The variant of the lead's latest rejected or cancelled draft, else the one its action calls for."""
    ended = lead.drafts.filter(state__in=(State.REJECTED, State.CANCELLED, State.FAILED)).order_by("-created_at")
    latest = ended.values_list("variant", flat=True).first()
    return latest or _VARIANT_FOR_ACTION.get(lead.recommended_action, EmailDraft.Variant.FIRST_TOUCH)


def _refusal(lead: Lead, variant: str) -> str:
    if lead.status in Lead.FINISHED_STATUSES:
        return f"This lead is {lead.get_status_display().lower()}, so no new email is written."
    if getattr(lead, "erased_at", None):
        return "This person's data was erased; they are not contacted again."
    if not lead.email:
        return "The lead has no email address; add one before writing an email."
    blocked = suppression_for(lead.email)
    if blocked:
        return f"{blocked} is on the do-not-contact list; this lead must not be emailed."
    signed_off = lead.drafts.filter(variant=variant, state__in=(State.APPROVED, State.SENDING)).first()
    if signed_off:
        kind, state = signed_off.get_variant_display().lower(), signed_off.get_state_display().lower()
        return f"A {kind} email is already {state}; it is not replaced."
    return ""


def _written(lead: Lead, variant: str, instruction: str) -> tuple[drafting.RenderedEmail, dict[str, str]]:
    if not llm.enabled():
        raise ValidationError("Writing with the LLM is switched off in Settings; write from a template instead.")
    written = llm_drafting.write(lead, drafting.render_variant(lead, variant), instruction=instruction)
    if written.email is None:
        # The pipeline falls back to the template here; a rep who asked for the LLM is told why instead.
        if written.unanswered:
            raise ValidationError(f"The LLM could not write this email ({written.reason}); write from a template "
                                  "instead.")
        raise ValidationError(f"The LLM's email was not usable ({written.reason}); try again or write from "
                              "a template instead.")
    return written.email, written.draft_fields()


def redraft(
    lead: Lead, *, user: Any, template_key: str | None = None, use_llm: bool = False, instruction: str = ""
) -> EmailDraft:
    if user is not None and not has_role(user):
        raise PermissionDenied("Only reps and managers can write emails.")
    variant = template_key or default_variant(lead)
    if variant not in drafting.load_templates():
        raise ValidationError({"template_key": "Pick one of the email templates listed."})
    refusal = _refusal(lead, variant)
    if refusal:
        raise ValidationError(refusal)
    instruction = instruction.strip()
    if use_llm:
        rendered, fields = _written(lead, variant, instruction)
    else:
        rendered, fields = drafting.render_variant(lead, variant), {"generated_by": EmailDraft.GeneratedBy.TEMPLATE}
    with transaction.atomic():
        replaced = lead.drafts.filter(variant=variant, state=State.DRAFT).values_list("pk", flat=True).first()
        drafting.supersede_pending([lead.pk], [variant], REPLACED_REASON)
        draft = drafting.save_draft(lead, variant, rendered, **fields)
        if draft is None:
            raise ValidationError(_refusal(lead, variant) or "This lead cannot be emailed now.")
        draft.lint = lint_draft(draft).as_dict()
        draft.save(update_fields=["lint", "updated_at"])
        payload = {"draft": str(draft.pk), "variant": variant, "event": "rewritten",
                   "generated_by": draft.generated_by}
        if replaced:
            payload["replaces"] = str(replaced)
        if instruction:
            payload["instruction"] = instruction[:500]
        ActivityLog.record(lead, ActivityLog.Type.EMAIL_DRAFTED, actor=user, payload=payload)
        announce_leads_changed()
    return draft
