"""What an LLM (and the trace) may see of a lead: no names, phone numbers or raw addresses.

The address becomes a short hash plus its domain; names, phone numbers and other addresses in
the free text are replaced by markers. Company, role and the lead's words otherwise stay, since
they are what the model is asked about.
"""

import hashlib
import re
from typing import Any

from scoring.pipeline.state import QualificationState

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


def lead_view(state: QualificationState) -> dict[str, Any]:
    lead, enrichment = state.lead, state.enrichment
    names = [part for part in (lead.first_name, lead.last_name) if part.strip()]
    view: dict[str, Any] = {
        "email_hash": email_hash(lead.email),
        "email_domain": enrichment.domain if enrichment else "",
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
    if enrichment:
        view["seniority"] = enrichment.seniority
        view["function"] = enrichment.function
        if enrichment.web_description:
            view["company_website_description"] = enrichment.web_description
    return view
