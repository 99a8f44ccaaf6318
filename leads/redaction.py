"""What an LLM (and a trace) may see of a lead: no names, phone numbers or raw addresses.

The address becomes a short hash plus its domain; names, phone numbers and other addresses in
the free text are replaced by markers. Company, role and the lead's words otherwise stay, since
they are what the model is asked about. The qualification pipeline adds its enrichment to this
view (scoring.pipeline.redaction); a rep's request for a fresh draft sends it as it is.
"""

import hashlib
import re
from typing import Any

from leads.addresses import email_domain

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{6,}\d(?!\w)")
# Long messages are cut: the model needs the gist, and tokens cost money.
MESSAGE_LIMIT = 2000


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16] if email else ""


def scrub(text: str, names: list[str]) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    for name in names:
        if len(name) >= 2:
            text = re.sub(rf"\b{re.escape(name)}\b", "[name]", text, flags=re.IGNORECASE)
    return text


def lead_view(lead: Any, *, domain: str | None = None) -> dict[str, Any]:
    """The lead's own fields, redacted; `domain` is the enriched email domain when there is one."""
    names = [part for part in (lead.first_name, lead.last_name) if part.strip()]
    return {
        "email_hash": email_hash(lead.email),
        "email_domain": email_domain(lead.email) if domain is None and lead.email else (domain or ""),
        "company": scrub(lead.company_name, names),
        "job_title": scrub(lead.job_title, names),
        "industry": lead.industry,
        "company_size": lead.company_size,
        "country": lead.country,
        "budget": lead.budget_range,
        "urgency": lead.urgency,
        "pain_point": scrub(lead.pain_point[:MESSAGE_LIMIT], names),
        "message": scrub(lead.lead_message[:MESSAGE_LIMIT], names),
    }
