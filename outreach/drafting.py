"""Email drafts from the team's templates (outreach.template_store; seeded from fixtures/email_templates.json).

`render_variant(lead, variant, *, template_key=None, **extra)` fills a template's {{merge fields}} from the
lead (outreach.merge_fields says what each one gives, whatever the lead typed): the template named by
template_key, else the one `template_store.choose` picks for the variant and the lead. Text wrapped in
[[if field]]...[[endif]] is kept only when the field has a value, [[if !field]]...[[endif]] only when it has
none. A missing value falls back to neutral wording ("Hello,", "your team"), so a draft never shows an
unresolved placeholder, and the subject is kept to 60 characters. `save_draft` stores the result as the
lead's one open draft of that variant, superseding an older pending one. The unsubscribe footer is added at
send time (`compliance.footer_for`, appended by the outbox), not here.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from outreach import template_store
from outreach.merge_fields import EXTRA_FIELDS, FALLBACKS, MERGE_FIELDS, QUOTED_FIELDS, merge_fields
from outreach.models import EmailDraft
from outreach.suppression import is_suppressed
from outreach.wording import without_greeting_or_sign_off

__all__ = ["FALLBACKS", "merge_fields"]

SUPERSEDED_REASON = "Superseded by a newer qualification of this lead"
SUBJECT_LIMIT = 60

# {{ field }} (what the editor's picker inserts) and the older {field}.
_FIELD = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}|\{([a-z_]+)\}")
_OPTIONAL = re.compile(r"\[\[if (!?)([a-z_]+)\]\](.*?)\[\[endif\]\]", re.DOTALL)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    template_key: str
    template_version: int | None = None


def fields_used(text: str) -> set[str]:
    """The merge fields a template text names, in {{fields}} and in [[if field]] blocks."""
    return ({first or second for first, second in _FIELD.findall(text)}
            | {name for _negated, name, _text in _OPTIONAL.findall(text)})


def template_errors(subject: str, body: str) -> dict[str, list[str]]:
    """What would stop a template from rendering, or make it splice a lead's free text into the subject."""
    errors: dict[str, list[str]] = {}
    known = set(MERGE_FIELDS) | set(EXTRA_FIELDS)
    for name, text in (("subject", subject), ("body", body)):
        unknown = sorted(fields_used(text) - known)
        if unknown:
            errors.setdefault(name, []).append(
                "Unknown merge field " + ", ".join("{{" + field + "}}" for field in unknown)
                + ": pick one from the list of merge fields.")
        leftover = _OPTIONAL.sub("", text)
        if "[[if" in leftover or "[[endif]]" in leftover:
            errors.setdefault(name, []).append("Every [[if field]] needs its own [[endif]] after it.")
    quoted = sorted(fields_used(subject) & set(QUOTED_FIELDS))
    if quoted:
        errors.setdefault("subject", []).append(
            "The subject cannot repeat what the lead typed (" + ", ".join("{{" + field + "}}" for field in quoted)
            + "): keep it in the body, as a quotation.")
    return errors


def _fill(text: str, values: dict[str, str], template_key: str) -> str:
    def optional(match: re.Match[str]) -> str:
        negated, name, inner = match.groups()
        return inner if bool(values.get(name)) != bool(negated) else ""

    def field(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if values.get(name):
            return values[name]
        if name in FALLBACKS or name in MERGE_FIELDS:
            return FALLBACKS.get(name, "")
        raise ValueError(f"Email template '{template_key}' uses unknown merge field {{{{{name}}}}}")

    text = _OPTIONAL.sub(optional, text)
    # One pass: a value that itself contains {braces} is never filled again.
    text = _FIELD.sub(field, text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    # A line whose fields were all empty leaves a gap; paragraphs stay one blank line apart.
    return re.sub(r"\n{3,}", "\n\n", text)


def _subject(template: str, values: dict[str, str], template_key: str) -> str:
    subject = _fill(template, values, template_key).replace("\n", " ").strip()
    if len(subject) > SUBJECT_LIMIT:
        # A long company name is the usual cause: the subject reads as well without it.
        shorter = {name: ("" if name in ("company_name", "job_title", "industry") else value)
                   for name, value in values.items()}
        subject = _fill(template, shorter, template_key).replace("\n", " ").strip()
    if len(subject) > SUBJECT_LIMIT:
        subject = subject[:SUBJECT_LIMIT + 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return subject[:1].upper() + subject[1:]


def render_template(lead: Any, template: Any, **extra: Any) -> RenderedEmail:
    """Render one template (an EmailTemplate, or anything with key, subject, body and version) for a lead."""
    values = merge_fields(lead, **extra)
    subject = _subject(template.subject, values, template.key)
    body = _fill(template.body, values, template.key).strip()
    return RenderedEmail(subject=subject, body=body, template_key=template.key,
                         template_version=getattr(template, "version", None) or None)


def render_variant(lead: Any, variant: str, *, template_key: str | None = None, **extra: Any) -> RenderedEmail:
    """Render the template for `variant` (or the one named by template_key) for this lead; extra merge fields
    override the lead's."""
    template = template_store.get(template_key) if template_key else template_store.choose(variant, lead)
    return render_template(lead, template, **extra)


def framed(rendered: RenderedEmail, subject: str, body: str) -> RenderedEmail:
    """A model's subject and body inside the template's greeting and sign-off, which stay the template's
    (the model's own greeting and sign-off, which it adds whatever it is told, are cut first)."""
    greeting = rendered.body.split("\n", 1)[0]
    sign_off = rendered.body.rsplit("\n\n", 1)[-1]
    paragraphs = without_greeting_or_sign_off(body)
    return RenderedEmail(subject=subject.strip(), body=f"{greeting}\n\n{paragraphs}\n\n{sign_off}",
                         template_key=rendered.template_key, template_version=rendered.template_version)


def new_draft(
    lead: Any,
    variant: str,
    email: RenderedEmail,
    *,
    generated_by: str = EmailDraft.GeneratedBy.TEMPLATE,
    prompt_version: str = "",
    llm_model: str = "",
    fingerprint: str = "",
) -> EmailDraft:
    """An unsaved draft row carrying the lead's approval gate (bulk writers save many at once)."""
    return EmailDraft(
        lead=lead,
        variant=variant,
        state=EmailDraft.State.DRAFT,
        subject=email.subject,
        body=email.body,
        to_email=lead.email,
        generated_by=generated_by,
        template_key=email.template_key,
        template_version=email.template_version,
        prompt_version=prompt_version,
        llm_model=llm_model,
        fingerprint=fingerprint,
        needs_approval=lead.needs_approval,
        approval_reason=lead.approval_reason,
    )


def supersede_pending(
    lead_ids: list[Any], variants: list[str], reason: str = SUPERSEDED_REASON, *,
    generated_by_machine_only: bool = False
) -> int:
    """Cancel the pending (not yet approved) drafts of these variants for these leads.

    With generated_by_machine_only, drafts a person has edited are kept.
    """
    drafts = EmailDraft.objects.filter(lead_id__in=lead_ids, variant__in=variants, state=EmailDraft.State.DRAFT)
    if generated_by_machine_only:
        drafts = drafts.exclude(generated_by=EmailDraft.GeneratedBy.PERSON)
    return drafts.update(state=EmailDraft.State.CANCELLED, rejection_reason=reason, updated_at=timezone.now())


def save_draft(lead: Any, variant: str, email: RenderedEmail, **fields: Any) -> EmailDraft | None:
    """Make `email` the lead's open draft of `variant`, cancelling an older pending one.

    Returns None, and stores nothing, when the lead has no address, the address is suppressed,
    or a draft of this variant was already approved or is being sent (a person has signed it off).
    """
    if not lead.email or is_suppressed(lead.email):
        return None
    with transaction.atomic():
        open_drafts = list(
            EmailDraft.objects.select_for_update().filter(
                lead=lead, variant=variant, state__in=EmailDraft.OPEN_STATES
            )
        )
        if any(draft.state != EmailDraft.State.DRAFT for draft in open_drafts):
            return None
        supersede_pending([lead.pk], [variant])
        draft = new_draft(lead, variant, email, **fields)
        draft.save()
    return draft
