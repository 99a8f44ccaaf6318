"""The runner: load a batch of leads, run the nodes for each, save the batch (log_to_crm).

One code path for one lead and for many: a per-lead task is a batch of one. Everything the
nodes need from the database (active config, company memory, suppressions) is loaded once per
batch; unchanged leads (same fingerprint as their last run) are not run again. With the LLM or
web enrichment on, the leads of a batch run in a thread pool of LLM_CONCURRENCY, since they
mostly wait on the network.
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
from django.db.models import Q

from leadops import llm, runtime
from leadops.db import skip_commit_flush
from leads.models import Company, Lead
from outreach.models import Suppression
from scoring import enrichment, rules
from scoring.models import ScoringConfig
from scoring.pipeline.crm import RunSummary, log_to_crm
from scoring.pipeline.nodes import NODES, Fallback, RunContext
from scoring.pipeline.state import LeadSnapshot, NodeEvent, QualificationState, fingerprint

logger = logging.getLogger(__name__)

# Results of the last run, which this run overwrites without reading: not worth decoding.
_OVERWRITTEN = ("enrichment", "score_factors", "score_rationale", "decision_reason")


def load_context(leads: list[Lead], *, llm_enabled: bool, web_enrichment: bool) -> RunContext:
    config = ScoringConfig.objects.filter(is_active=True).first()
    domains = {enrichment.company_domain(lead.email, lead.website) for lead in leads} - {""}
    companies = Company.objects.in_bulk(list(domains), field_name="domain") if domains else {}
    return RunContext(
        rules=rules.Rules.of(config),
        config=config,
        llm_enabled=llm_enabled,
        llm_model=f"{runtime.get('LLM_PROVIDER')}:{llm.model_name()}" if llm_enabled else "none",
        web_enrichment=web_enrichment,
        max_adjustment=settings.LLM_MAX_SCORE_ADJUSTMENT,
        enterprise_min_size=settings.ENTERPRISE_MIN_COMPANY_SIZE,
        enterprise_min_budget=settings.ENTERPRISE_MIN_BUDGET,
        memory=enrichment.company_memory_by_id(
            {domain: company.pk for domain, company in companies.items()}, [lead.pk for lead in leads]
        ),
        companies=companies,
        leads={str(lead.pk): lead for lead in leads},
    )


def suppressed_addresses(leads: list[Lead]) -> set[str]:
    """Which of these leads' addresses are on the do-not-contact list (by address or domain)."""
    emails = {lead.email.strip().lower() for lead in leads if lead.email}
    if not emails:
        return set()
    domains = {email.rpartition("@")[2] for email in emails}
    rows = Suppression.objects.filter(Q(email__in=emails) | Q(domain__in=domains)).values_list(
        "email", "domain"
    )
    blocked_emails = {email for email, _domain in rows if email}
    blocked_domains = {domain for _email, domain in rows if domain}
    return {
        email for email in emails if email in blocked_emails or email.rpartition("@")[2] in blocked_domains
    }


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
    a lock and locked only to save (log_to_crm then skips a lead that changed in between).
    """
    ids = list(dict.fromkeys(str(lead_id) for lead_id in lead_ids))
    llm_enabled, web_enrichment = llm.enabled(), bool(runtime.get("WEB_ENRICHMENT"))
    if llm_enabled or web_enrichment:
        leads = list(Lead.objects.filter(pk__in=ids).defer(*_OVERWRITTEN))
        batch = _prepare(ids, leads, llm_enabled=llm_enabled, web_enrichment=web_enrichment)
        if len(batch.to_run) > 1:
            with ThreadPoolExecutor(max_workers=settings.LLM_CONCURRENCY) as pool:
                list(pool.map(lambda state: run_nodes(state, batch.context), batch.to_run))
        else:
            batch.run()
        with transaction.atomic():
            skip_commit_flush()  # results can be recomputed; scoring.tasks.requalify_stranded re-runs lost ones
            locked = _lock(ids)
            return batch.save(locked)
    with transaction.atomic():
        skip_commit_flush()
        leads = list(_lock(ids).values())
        batch = _prepare(ids, leads, llm_enabled=False, web_enrichment=False)
        batch.run()
        return batch.save({str(lead.pk): lead for lead in leads})


def _lock(ids: list[str]) -> dict[str, Lead]:
    # In primary-key order, so two batches sharing leads cannot deadlock.
    leads = Lead.objects.select_for_update().filter(pk__in=ids).defer(*_OVERWRITTEN).order_by("pk")
    return {str(lead.pk): lead for lead in leads}


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

    def save(self, locked: dict[str, Lead]) -> RunSummary:
        summary = log_to_crm(self.to_run, self.unchanged, locked, self.context.companies, self.fingerprint_of)
        summary.not_found += self.not_found
        return summary


def _prepare(ids: list[str], leads: list[Lead], *, llm_enabled: bool, web_enrichment: bool) -> _Batch:
    """Load the batch's context and set aside the leads whose fingerprint has not changed."""
    context = load_context(leads, llm_enabled=llm_enabled, web_enrichment=web_enrichment)
    suppressed = suppressed_addresses(leads)

    def fingerprint_of(lead: Lead) -> str:
        return fingerprint(LeadSnapshot.of(lead), config_version=context.rules.version, llm=context.llm_model)

    batch = _Batch(
        context=context,
        to_run=[],
        unchanged=[],
        not_found=len(ids) - len(leads),
        fingerprint_of=fingerprint_of,
    )
    for lead in leads:
        state = QualificationState(
            lead=LeadSnapshot.of(lead),
            fingerprint=fingerprint_of(lead),
            suppressed=lead.email.strip().lower() in suppressed,
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
