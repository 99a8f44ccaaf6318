"""A fresh email for a lead whose draft was rejected or cancelled, so the lead page is never a dead end.

`redraft(lead, *, user, template_key=None, variant=None, use_llm=False, instruction="") -> EmailDraft` writes a
new open draft the way the pipeline does: `drafting.render_variant` from a template of the team's store (the
one named, else the one `template_store.choose` picks for the variant: by default the variant of the draft it
replaces, else the one the lead's recommended action calls for; a named template of a variant's purpose writes
that variant), optionally
rewritten by the LLM through `leadops.llm.write_email` with the lead redacted (`leads.redaction`); the
rep's `instruction` travels to the model as context beside the lead's data. The compliance lint is
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

from leadops import llm, prompts
from leadops.roles import has_role
from leads.models import ActivityLog, Lead
from leads.redaction import lead_view
from leads.signals import announce_leads_changed
from outreach import drafting, template_store
from outreach.compliance import lint_draft
from outreach.models import EmailDraft
from outreach.suppression import suppression_for
from outreach.wording import text_problems

State = EmailDraft.State
REPLACED_REASON = "Replaced by a new email a person asked for"
# The variant a lead's recommended action calls for when there is no earlier draft to follow.
_VARIANT_FOR_ACTION = {"ASK_QUESTION": EmailDraft.Variant.CLARIFYING_QUESTION}


def template_choices(purpose: str | None = None) -> list[tuple[str, str]]:
    """(key, label) of every active email template a rep may write from (of one purpose), as the store lists them."""
    return template_store.choices(purpose)


def _variant_and_template(lead: Lead, template_key: str | None, variant: str | None) -> tuple[str, str | None]:
    """Which draft slot (variant) the new email fills, and the template named for it (None: the store chooses)."""
    if template_key and template_key not in template_store.keys_for_any():
        if template_key in EmailDraft.Variant.values and not variant:
            return template_key, None  # the API names a draft's variant: write it from that variant's template
        raise ValidationError({"template_key": "Pick one of the email templates listed."})
    if template_key and not variant:
        purpose = template_store.get(template_key).purpose
        variant = purpose if purpose in EmailDraft.Variant.values else None
    return variant or default_variant(lead), template_key


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


def _written(lead: Lead, variant: str, template_key: str | None,
             instruction: str) -> tuple[drafting.RenderedEmail, dict[str, str]]:
    rendered = drafting.render_variant(lead, variant, template_key=template_key)
    if not llm.enabled():
        raise ValidationError("Writing with the LLM is switched off in Settings; write from a template instead.")
    prompt = prompts.latest("email_text")
    data: dict[str, Any] = lead_view(lead) | {"variant": variant, "questions": []}
    if instruction:
        data["rep_note"] = instruction[:500]
    try:
        result = llm.write_email(prompt, data)
    except llm.LLMError as error:
        raise ValidationError(f"The LLM could not write this email ({error}); write from a template instead.") from None
    fields = {"generated_by": EmailDraft.GeneratedBy.LLM, "prompt_version": f"{prompt.name}.{prompt.version}",
              "llm_model": result.record.model}
    written = drafting.framed(rendered, result.value.subject, result.value.body)
    problems = text_problems(written.subject, written.body, lead=lead)
    if problems:
        # The pipeline falls back to the template here; a rep who asked for the LLM is told why instead.
        raise ValidationError(f"The LLM's email was not usable ({' '.join(problems)}); try again or write from "
                              "a template instead.")
    return written, fields


def redraft(
    lead: Lead, *, user: Any, template_key: str | None = None, variant: str | None = None, use_llm: bool = False,
    instruction: str = "",
) -> EmailDraft:
    if user is not None and not has_role(user):
        raise PermissionDenied("Only reps and managers can write emails.")
    variant, template_key = _variant_and_template(lead, template_key, variant)
    refusal = _refusal(lead, variant)
    if refusal:
        raise ValidationError(refusal)
    instruction = instruction.strip()
    if use_llm:
        rendered, fields = _written(lead, variant, template_key, instruction)
    else:
        try:
            rendered = drafting.render_variant(lead, variant, template_key=template_key)
        except ValueError as error:
            raise ValidationError({"template_key": f"{error}; pick one of the email templates listed."}) from None
        fields = {"generated_by": EmailDraft.GeneratedBy.TEMPLATE}
    with transaction.atomic():
        replaced = lead.drafts.filter(variant=variant, state=State.DRAFT).values_list("pk", flat=True).first()
        drafting.supersede_pending([lead.pk], [variant], REPLACED_REASON)
        draft = drafting.save_draft(lead, variant, rendered, **fields)
        if draft is None:
            raise ValidationError(_refusal(lead, variant) or "This lead cannot be emailed now.")
        draft.lint = lint_draft(draft).as_dict()
        draft.save(update_fields=["lint", "updated_at"])
        payload = {"draft": str(draft.pk), "variant": variant, "template": rendered.template_key, "event": "rewritten",
                   "generated_by": draft.generated_by}
        if replaced:
            payload["replaces"] = str(replaced)
        if instruction:
            payload["instruction"] = instruction[:500]
        ActivityLog.record(lead, ActivityLog.Type.EMAIL_DRAFTED, actor=user, payload=payload)
        announce_leads_changed()
    return draft
