"""What one batch carries between the database and the nodes: the rows read under its leads' lock
(`LockedBatch`) and the bulk writes of the save step (`Write`).

`reads` and `writes` fill and run them with the ORM; on PostgreSQL they hand the same work to
`postgres`, which does it in fewer, prepared statements.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from leads.models import Company, Lead
from outreach.models import EmailDraft
from scoring.models import ScoringConfig
from scoring.pipeline.state import CompanyMemory

# Results of the last run, which this run overwrites without reading: not worth decoding.
OVERWRITTEN = ("enrichment", "score_factors", "score_rationale", "decision_reason")
# The drafts the pipeline writes, and supersedes when it writes a newer one.
PIPELINE_VARIANTS = (EmailDraft.Variant.FIRST_TOUCH, EmailDraft.Variant.CLARIFYING_QUESTION)


@dataclass
class LockedBatch:
    """The batch's leads, locked until the transaction ends, with what the run and the save read."""

    leads: dict[str, Lead]
    # The active ScoringConfig row as "id:version" (see `config_key`); None when not read here.
    active_config: str | None = None
    # Lower-case addresses of these leads on the do-not-contact list (by address or domain).
    suppressed: set[str] = field(default_factory=set)
    # (lead id, variant, state, generated_by) of the leads' open pipeline drafts.
    open_drafts: list[tuple[Any, str, str, str]] = field(default_factory=list)
    # The Company rows (and company memory) of the leads' address domains, read with the lock;
    # `domains_read` are the domains looked up there, found or not (see `reads.companies_with_memory`).
    companies: dict[str, Company] = field(default_factory=dict)
    memory: dict[str, CompanyMemory] = field(default_factory=dict)
    domains_read: set[str] = field(default_factory=set)


def config_key(config: ScoringConfig | None) -> str | None:
    """The identity a lock reads for the active version (versions are never edited once saved)."""
    return None if config is None else f"{config.pk}:{config.version}"


@dataclass
class Write:
    """One bulk INSERT (no `update_fields`) or UPDATE of `update_fields` for these rows."""

    model: type[Model]
    objects: list[Model]
    update_fields: list[str] | None = None
    # INSERT only: rows that would break a unique constraint are skipped (someone wrote them first).
    ignore_conflicts: bool = False
