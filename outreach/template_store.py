"""The email templates a team owns: which one a draft is written from, and every saved change as a version.

- `choose(purpose, lead)`: the active template of that purpose that fits the lead most closely: one made for
  the lead's source and industry beats one for its source, which beats one for its industry, which beats the
  one for any lead. Ties go to the key that sorts first, so the choice is the same on every run.
- `get(key)`, `keys_for(purpose)`: one template by key; the active keys of a purpose (a rep picks among them).
- `save_template(template, by=...)` saves and writes the next `EmailTemplateVersion` in one transaction;
  `roll_back(template, number, by=...)` saves an old version's subject and body as a new version, so the
  history only grows.

The active templates are read from a small cached list, so the qualification pipeline drafts without a query
of its own; `forget_templates` drops it whenever a template changes (connected in OutreachConfig.ready()).

fixtures/email_templates.json is the seed set: a migration loads it, and a seed key missing from the table
(a fresh or flushed database) is created from it on first use, never overwriting what a team changed.
"""

import functools
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction

from outreach.template_models import EmailTemplate, EmailTemplateVersion

SEED_PATH = settings.BASE_DIR / "fixtures" / "email_templates.json"
SEEDED_NOTE = "Seeded from fixtures/email_templates.json"
_ACTIVE_KEY = "outreach:email-templates"


@functools.cache
def load_seed() -> dict[str, dict[str, str]]:
    """The seed templates by key, each with name, purpose, source, industry, subject and body."""
    with open(SEED_PATH, encoding="utf-8") as handle:
        data = json.load(handle)
    return {
        key: {"name": value.get("name") or key.replace("_", " ").capitalize(), "purpose": value.get("purpose", key),
              "source": value.get("source", ""), "industry": value.get("industry", ""),
              "subject": value["subject"], "body": value["body"]}
        for key, value in data.items() if not key.startswith("_")
    }


def ensure_seeded(keys: list[str] | None = None) -> int:
    """Create the seed templates whose keys are missing (all, or those listed); returns how many it made."""
    wanted = {key: value for key, value in load_seed().items() if keys is None or key in keys}
    present = set(EmailTemplate.objects.filter(key__in=wanted).values_list("key", flat=True))
    made = 0
    for key, fields in wanted.items():
        if key in present:
            continue
        try:
            with transaction.atomic():
                template = EmailTemplate.objects.create(key=key, version=1, **fields)
                EmailTemplateVersion.objects.create(template=template, number=1, subject=template.subject,
                                                    body=template.body, note=SEEDED_NOTE)
        except IntegrityError:
            continue  # another process seeded it first
        made += 1
    return made


def get(key: str) -> EmailTemplate:
    """The template with this key (active or not: a draft or a step may name a retired one)."""
    template = EmailTemplate.objects.filter(key=key).first()
    if template is None and key in load_seed():
        ensure_seeded([key])
        template = EmailTemplate.objects.filter(key=key).first()
    if template is None:
        raise ValueError(f"There is no email template '{key}'")
    return template


def _active() -> list[EmailTemplate]:
    templates = cache.get(_ACTIVE_KEY)
    if templates is None:
        templates = list(EmailTemplate.objects.filter(is_active=True))
        cache.set(_ACTIVE_KEY, templates, timeout=300)
    return templates


def forget_templates(**kwargs: Any) -> None:
    """post_save / post_delete of an EmailTemplate; again on commit, so no reader keeps what was read mid-save."""
    cache.delete(_ACTIVE_KEY)
    transaction.on_commit(lambda: cache.delete(_ACTIVE_KEY))


def _fits(template: EmailTemplate, lead: Any) -> bool:
    source = getattr(lead, "source", "") or ""
    industry = (getattr(lead, "industry", "") or "").strip().lower()
    return template.source in ("", source) and template.industry.strip().lower() in ("", industry)


def choose(purpose: str, lead: Any) -> EmailTemplate:
    """The active template of this purpose made most specifically for the lead's source and industry."""
    candidates = [template for template in _active() if template.purpose == purpose and _fits(template, lead)]
    if not candidates and any(seed["purpose"] == purpose for seed in load_seed().values()):
        ensure_seeded([key for key, seed in load_seed().items() if seed["purpose"] == purpose])
        # Read again from the database whoever seeded them: another process may have done it since the cached
        # list was read (mid-seeding, that list holds only the templates seeded so far).
        forget_templates()
        candidates = [template for template in _active() if template.purpose == purpose and _fits(template, lead)]
    if not candidates:
        raise ValueError(f"There is no email template for variant '{purpose}'")
    return min(candidates, key=lambda template: (not template.source, not template.industry, template.key))


def keys_for(purpose: str) -> list[str]:
    """The active templates' keys of one purpose, the way the Templates page lists them."""
    if not EmailTemplate.objects.filter(purpose=purpose).exists():
        ensure_seeded([key for key, seed in load_seed().items() if seed["purpose"] == purpose])
    return list(EmailTemplate.objects.filter(purpose=purpose, is_active=True).values_list("key", flat=True))


def keys_for_any() -> list[str]:
    """Every template's key, active or not."""
    ensure_seeded()
    return list(EmailTemplate.objects.values_list("key", flat=True))


def choices(purpose: str | None = None) -> list[tuple[str, str]]:
    """(key, "name · audience") of the active templates (of one purpose), for a rep's pick list."""
    by_purpose = choices_by_purpose()
    return by_purpose.get(purpose, []) if purpose else [choice for listed in by_purpose.values() for choice in listed]


def choices_by_purpose() -> dict[str, list[tuple[str, str]]]:
    """The pick lists of every purpose at once (the review queue shows one per row), from the cached list."""
    templates = _active()
    if not templates and ensure_seeded():
        templates = _active()
    order = {value: position for position, value in enumerate(EmailTemplate.Purpose.values)}
    grouped: dict[str, list[tuple[str, str]]] = {}
    for template in sorted(templates, key=lambda template: (order.get(template.purpose, len(order)),
                                                            bool(template.source), bool(template.industry),
                                                            template.key)):
        grouped.setdefault(template.purpose, []).append((template.key, f"{template.name} · {template.audience}"))
    return grouped


def save_template(template: EmailTemplate, *, by: Any, note: str = "") -> EmailTemplateVersion:
    """Save the template and record its subject and body as the next version, by this person."""
    with transaction.atomic():
        if template.pk:
            EmailTemplate.objects.select_for_update().filter(pk=template.pk).first()
        number = (template.versions.order_by("-number").values_list("number", flat=True).first() or 0
                  if template.pk else 0) + 1
        template.version = number
        template.save()
        return EmailTemplateVersion.objects.create(
            template=template, number=number, subject=template.subject, body=template.body,
            changed_by=by if getattr(by, "pk", None) else None,
            note=note or ("Created" if number == 1 else "Edited"))


def roll_back(template: EmailTemplate, number: int, *, by: Any) -> EmailTemplateVersion:
    """Make an earlier version's subject and body current again, as a new version."""
    old = template.versions.get(number=number)
    template.subject, template.body = old.subject, old.body
    return save_template(template, by=by, note=f"Rolled back to version {number}")
