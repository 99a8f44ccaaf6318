"""What an LLM (and a trace) may see of a lead: what the decision needs, and no names, phones or addresses.

The address becomes its domain; names (the lead's and third parties'), phone numbers and other addresses in
the free text are replaced by markers (leadops.untrusted.scrub), and the company's own name is kept whole
even where it contains the lead's surname. Empty fields are left out: on a local server every prompt
token is paid for in time. The qualification pipeline adds what enrichment found (scoring.pipeline.redaction);
a rep's request for a fresh draft sends the view as it is.
"""

from typing import Any

from leadops.untrusted import email_hash, scrub

__all__ = ["MESSAGE_LIMIT", "email_hash", "lead_view", "scrub"]

# Long messages are cut: the model needs the gist, and tokens cost money and time.
MESSAGE_LIMIT = 600


def lead_view(lead: Any, *, web_description: str = "") -> dict[str, Any]:
    names = [part for part in (lead.first_name, lead.last_name) if part.strip()]
    company = lead.company_name.strip()
    keep = [company] if company else []
    # What the person said and what they work at. The rules' readings of the rest (industry, size, country,
    # seniority, domain) reach the model as the factors they produced, and the email's template has them merged
    # in: every field here is paid for in each call's prompt.
    view: dict[str, Any] = {
        "company": company,
        "job_title": scrub(lead.job_title, names, keep=keep),
        "budget": lead.budget_range,
        "urgency": lead.urgency,
        "pain_point": scrub(lead.pain_point[:MESSAGE_LIMIT], names, keep=keep),
        "message": scrub(lead.lead_message[:MESSAGE_LIMIT], names, keep=keep),
    }
    if web_description:
        view["company_website_description"] = web_description[:300]
    return {key: value for key, value in view.items() if value not in ("", None, "unknown")}
