"""What an LLM (and the trace) sees of a lead during qualification: `leads.redaction`'s view of the lead
plus what enrichment found on the company's website."""

from typing import Any

from leads.redaction import MESSAGE_LIMIT, email_hash
from leads.redaction import lead_view as _lead_fields
from scoring.pipeline.state import QualificationState

__all__ = ["MESSAGE_LIMIT", "email_hash", "lead_view"]


def lead_view(state: QualificationState) -> dict[str, Any]:
    enrichment = state.enrichment
    return _lead_fields(state.lead, web_description=enrichment.web_description if enrichment else "")
