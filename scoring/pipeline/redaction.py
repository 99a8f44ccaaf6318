"""What an LLM (and the trace) sees of a lead during qualification: `leads.redaction`'s view of the
lead plus what enrichment found (seniority, function, the company website's description)."""

from typing import Any

from leads.redaction import MESSAGE_LIMIT, email_hash, scrub
from leads.redaction import lead_view as _lead_fields
from scoring.pipeline.state import QualificationState

__all__ = ["MESSAGE_LIMIT", "email_hash", "scrub", "lead_view"]


def lead_view(state: QualificationState) -> dict[str, Any]:
    lead, enrichment = state.lead, state.enrichment
    view = _lead_fields(lead, domain=enrichment.domain if enrichment else "")
    if enrichment:
        view["seniority"] = enrichment.seniority
        view["function"] = enrichment.function
        if enrichment.web_description:
            view["company_website_description"] = enrichment.web_description
    return view
