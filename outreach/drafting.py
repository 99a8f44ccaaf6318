"""Email drafts from the templates in fixtures/email_templates.json.

`render_variant(lead, variant, **extra)` fills a template's {merge fields} from the lead, its
company and its enrichment; a sentence wrapped in [[if field]]...[[endif]] is dropped when that
field is empty. A missing value falls back to neutral wording ("there", "your team"), so a draft
never shows an unresolved placeholder. `save_draft` stores the result as the lead's one open
draft of that variant, superseding an older pending one. The unsubscribe footer is added at
send time (`compliance.footer_for`, appended by the outbox), not here.
"""

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from outreach import mailboxes
from outreach.models import EmailDraft
from outreach.suppression import is_suppressed
from outreach.wording import without_greeting_or_sign_off

TEMPLATES_PATH = settings.BASE_DIR / "fixtures" / "email_templates.json"
SUPERSEDED_REASON = "Superseded by a newer qualification of this lead"

_FIELD = re.compile(r"\{([a-z_]+)\}")
_OPTIONAL = re.compile(r"\[\[if ([a-z_]+)\]\](.*?)\[\[endif\]\]", re.DOTALL)
# Cell text a spreadsheet would run as a formula is not a name to greet anyone with.
_FORMULA_START = ("=", "+", "-", "@")
_DANGLING_WORDS = frozenset({"and", "or", "but", "with", "the", "a", "an", "of", "to", "for", "in", "on", "our"})
_MAX_FIELD_LENGTH = {"first_name": 40, "company_name": 80, "job_title": 80, "industry": 60}

# Neutral wording for a merge field the lead left empty.
FALLBACKS = {
    "first_name": "there",
    "last_name": "",
    "company_name": "your team",
    "industry": "your industry",
    "job_title": "",
    "pain_point_short": "lead follow-up",
    "country": "",
    "questions": "- What would you like to achieve, and by when?",
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    template_key: str


@functools.cache
def load_templates() -> dict[str, dict[str, str]]:
    with open(TEMPLATES_PATH, encoding="utf-8") as handle:
        data = json.load(handle)
    return {key: value for key, value in data.items() if not key.startswith("_")}


def _clean(value: Any, field: str) -> str:
    # Braces and [[ ]] in what a lead typed must not read as template syntax in the draft.
    text = " ".join(re.sub(r"[{}]|\[\[|\]\]", "", str(value or "")).split())
    if text.startswith(_FORMULA_START):
        return ""
    limit = _MAX_FIELD_LENGTH.get(field)
    if limit and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text


def short_pain_point(pain_point: str) -> str:
    """The first clause of the lead's pain point, lower-cased, short enough for a subject line."""
    text = _clean(pain_point, "pain_point")
    if not text:
        return ""
    clause = re.split(r"[.;:!?\n]| - ", text, maxsplit=1)[0].strip(" ,")
    if len(clause) > 60:
        # Cut at a comma where there is one, else at a word, and never end on "and", "of", ...
        cut = clause[:60]
        clause = cut.rsplit(",", 1)[0] if "," in cut else cut.rsplit(" ", 1)[0]
        words = clause.split()
        while len(words) > 1 and words[-1].lower().strip(",") in _DANGLING_WORDS:
            words.pop()
        clause = " ".join(words).rstrip(",")
    return _mid_sentence(clause)


def _mid_sentence(text: str) -> str:
    """Lower-case the first letter so the text reads inside a sentence; acronyms ("IT", "SaaS") stay."""
    first_word = text.split(" ", 1)[0]
    if first_word[:1].isupper() and not any(letter.isupper() for letter in first_word[1:]):
        return text[0].lower() + text[1:]
    return text


def merge_fields(lead: Any, **extra: Any) -> dict[str, str]:
    """Merge values for a lead; empty string means the lead did not give it."""
    company = getattr(lead, "company", None) if getattr(lead, "company_id", None) else None
    values = {
        "first_name": _clean(lead.first_name, "first_name"),
        "last_name": _clean(lead.last_name, "last_name"),
        "company_name": _clean(lead.company_name or (company.name if company else ""), "company_name"),
        "industry": _mid_sentence(_clean(lead.industry or (company.industry if company else ""), "industry")),
        "job_title": _clean(lead.job_title, "job_title"),
        "pain_point_short": short_pain_point(lead.pain_point),
        "country": _clean(lead.country, "country"),
        # Signed by the rep whose mailbox it goes out from.
        "sender_name": mailboxes.signing_name(lead),
    }
    for key, value in extra.items():
        values[key] = value if key == "questions" else _clean(value, key)
    return values


def _fill(text: str, values: dict[str, str], template_key: str) -> str:
    def optional(match: re.Match[str]) -> str:
        return match.group(2) if values.get(match.group(1)) else ""

    def field(match: re.Match[str]) -> str:
        name = match.group(1)
        if values.get(name):
            return values[name]
        if name in FALLBACKS:
            return FALLBACKS[name]
        raise ValueError(f"Email template '{template_key}' uses unknown merge field {{{name}}}")

    text = _OPTIONAL.sub(optional, text)
    # One pass: a value that itself contains {braces} is never filled again.
    text = _FIELD.sub(field, text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def render_variant(lead: Any, variant: str, **extra: Any) -> RenderedEmail:
    """Render the template for `variant` for this lead; extra merge fields override the lead's."""
    templates = load_templates()
    if variant not in templates:
        raise ValueError(f"There is no email template for variant '{variant}'")
    template = templates[variant]
    values = merge_fields(lead, **extra)
    subject = _fill(template["subject"], values, variant).replace("\n", " ").strip()
    subject = subject[:1].upper() + subject[1:]
    body = _fill(template["body"], values, variant).strip()
    return RenderedEmail(subject=subject[:200], body=body, template_key=variant)


def framed(rendered: RenderedEmail, subject: str, body: str) -> RenderedEmail:
    """A model's subject and body inside the template's greeting and sign-off, which stay the template's
    (the model's own greeting and sign-off, which it adds whatever it is told, are cut first)."""
    greeting = rendered.body.split("\n", 1)[0]
    sign_off = rendered.body.rsplit("\n\n", 1)[-1]
    paragraphs = without_greeting_or_sign_off(body)
    return RenderedEmail(subject=subject.strip(), body=f"{greeting}\n\n{paragraphs}\n\n{sign_off}",
                         template_key=rendered.template_key)


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
        drafted_by=generated_by,
        original_subject=email.subject,
        original_body=email.body,
        template_key=email.template_key,
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
