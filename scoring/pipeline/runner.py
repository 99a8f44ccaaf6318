"""The runner: load a batch of leads, run the nodes for each, save the batch (scoring.pipeline.save).

One code path for one lead and for many: a per-lead task is a batch of one. Everything the
nodes need from the database (active config, company memory, suppressions) is loaded once per
batch, in as few statements as `reads` can manage; unchanged leads (same fingerprint as their
last run) are not run again. With the LLM or web enrichment on, the leads of a batch run in a
thread pool (LLM_SERVER_SLOTS threads with the LLM on, since the server answers that many at once;
WEBSITE_THREADS for web enrichment alone), since they mostly wait on the network.
"""

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction

from leadops import llm, runtime
from leads.models import Lead
from scoring import enrichment, rules
from scoring.models import ScoringConfig
from scoring.pipeline import reads
from scoring.pipeline.batch import OVERWRITTEN, LockedBatch, config_key
from scoring.pipeline.nodes import NODES, Fallback, RunContext
from scoring.pipeline.save import RunSummary, save_batch
from scoring.pipeline.state import LeadSnapshot, NodeEvent, QualificationState, fingerprint

logger = logging.getLogger(__name__)

# This process's copy of the active scoring version. Versions are never edited once saved, so
# the copy serves every batch whose lock query reports that same version active.
_active_config: ScoringConfig | None = None
# Leads of a batch fetching company websites at once when the LLM is off.
WEBSITE_THREADS = 8


def cached_active_config(key: str | None) -> ScoringConfig | None:
    """The active ScoringConfig, this process's copy while `key` (what the lock saw active) still names it.

    `key` None (not known): read afresh.
    """
    global _active_config
    if key is None or _active_config is None or config_key(_active_config) != key:
        _active_config = ScoringConfig.objects.filter(is_active=True).first()
    return _active_config


def load_context(
    leads: list[Lead],
    config: ScoringConfig | None,
    *,
    llm_enabled: bool,
    web_enrichment: bool,
    locked: LockedBatch | None = None,
) -> RunContext:
    domains = {enrichment.company_domain(lead.email, lead.website) for lead in leads} - {""}
    companies, memory = reads.companies_with_memory(domains, [lead.pk for lead in leads], locked)
    return RunContext(
        rules=rules.Rules.of(config),
        config=config,
        llm_enabled=llm_enabled,
        llm_model=f"{runtime.get('LLM_PROVIDER')}:{llm.model_name()}" if llm_enabled else "none",
        web_enrichment=web_enrichment,
        max_adjustment=settings.LLM_MAX_SCORE_ADJUSTMENT,
        enterprise_min_size=settings.ENTERPRISE_MIN_COMPANY_SIZE,
        enterprise_min_budget=settings.ENTERPRISE_MIN_BUDGET,
        memory=memory,
        companies=companies,
        leads={str(lead.pk): lead for lead in leads},
    )


def run_nodes(state: QualificationState, context: RunContext) -> QualificationState:
    for node in NODES:
        started_at = datetime.now(UTC)
        started = time.perf_counter()
        status = "ok"
        try:
            summary = node(state, context)
        except Fallback as fallback:
            summary, status = str(fallback), "fallback"
        except Exception as error:
            logger.exception("Qualification of lead %s failed in %s", state.lead.id, node.__name__)
            summary, status = f"{type(error).__name__}: {error}"[:300], "failed"
            state.error = f"{node.__name__}: {type(error).__name__}: {error}"
        state.events.append(
            NodeEvent(
                node=node.__name__,
                started_at=started_at,
                status=status,
                summary=summary,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
            )
        )
        if status == "failed":
            break
    return state


def qualify(lead_ids: Iterable[UUID | str]) -> RunSummary:
    """Qualify these leads (one batch); returns what happened to them.

    In rules mode the batch's leads are locked from the start, since the nodes take milliseconds.
    With the LLM or web enrichment on the nodes wait on the network, so the leads are read without
    a lock and locked only to save (the save step then skips a lead that changed in between).
    """
    ids = list(dict.fromkeys(str(lead_id) for lead_id in lead_ids))
    llm_enabled, web_enrichment = llm.enabled(), bool(runtime.get("WEB_ENRICHMENT"))
    if llm_enabled or web_enrichment:
        leads = list(Lead.objects.filter(pk__in=ids).defer(*OVERWRITTEN))
        batch = _prepare(ids, leads, None, llm_enabled=llm_enabled, web_enrichment=web_enrichment)
        if len(batch.to_run) > 1:
            threads = settings.LLM_SERVER_SLOTS if llm_enabled else WEBSITE_THREADS
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(lambda state: run_nodes(state, batch.context), batch.to_run))
        else:
            batch.run()
        with transaction.atomic():
            return batch.save(reads.lock_leads(ids))
    with transaction.atomic():
        locked = reads.lock_leads(ids)
        batch = _prepare(ids, list(locked.leads.values()), locked, llm_enabled=False, web_enrichment=False)
        batch.run()
        return batch.save(locked)


@dataclass
class _Batch:
    context: RunContext
    to_run: list[QualificationState]
    unchanged: list[QualificationState]
    not_found: int
    fingerprint_of: Callable[[Lead], str]

    def run(self) -> None:
        for state in self.to_run:
            run_nodes(state, self.context)

    def save(self, locked: LockedBatch) -> RunSummary:
        summary = save_batch(self.to_run, self.unchanged, locked, self.context.companies, self.fingerprint_of)
        summary.not_found += self.not_found
        return summary


def _prepare(
    ids: list[str], leads: list[Lead], locked: LockedBatch | None, *, llm_enabled: bool, web_enrichment: bool
) -> _Batch:
    """Load the batch's context and set aside the leads whose fingerprint has not changed.

    `locked` is the batch as `reads.lock_leads` read it, when the leads are already locked.
    """
    config = cached_active_config(locked.active_config if locked else None)
    context = load_context(leads, config, llm_enabled=llm_enabled, web_enrichment=web_enrichment, locked=locked)
    suppressed = locked.suppressed if locked else reads.suppressed_addresses(leads)

    # The save step asks again for the rows it saves: in rules mode the very rows read here, under the same lock.
    known: dict[int, tuple[Lead, LeadSnapshot, str]] = {}

    def snapshot_of(lead: Lead) -> tuple[Lead, LeadSnapshot, str]:
        hit = known.get(id(lead))
        if hit is None or hit[0] is not lead:
            snapshot = LeadSnapshot.of(lead)
            hit = known[id(lead)] = (
                lead, snapshot, fingerprint(snapshot, config_version=context.rules.version, llm=context.llm_model)
            )
        return hit

    batch = _Batch(
        context=context,
        to_run=[],
        unchanged=[],
        not_found=len(ids) - len(leads),
        fingerprint_of=lambda lead: snapshot_of(lead)[2],
    )
    for lead in leads:
        _lead, snapshot, lead_fingerprint = snapshot_of(lead)
        state = QualificationState(
            lead=snapshot, fingerprint=lead_fingerprint, suppressed=lead.email.strip().lower() in suppressed,
            rules_fingerprint=fingerprint(snapshot, config_version=context.rules.version, llm="none")
            if llm_enabled else "",
        )
        (batch.unchanged if lead.qualified_fingerprint == state.fingerprint else batch.to_run).append(state)
    return batch


def qualify_in_batches(lead_ids: Iterable[UUID | str], batch_size: int | None = None) -> RunSummary:
    """Qualify any number of leads in this process, one batch at a time (the --sync path)."""
    size = batch_size or settings.QUALIFY_BATCH_SIZE
    summary = RunSummary()
    batch: list[Any] = []
    for lead_id in lead_ids:
        batch.append(lead_id)
        if len(batch) >= size:
            summary.add(qualify(batch))
            batch = []
    if batch:
        summary.add(qualify(batch))
    return summary
