"""The runner: load a batch of leads, run the nodes for each, save the batch (log_to_crm).

One code path for one lead and for many: a per-lead task is a batch of one. Everything the
nodes need from the database (active config, company memory, suppressions) is loaded once per
batch; unchanged leads (same fingerprint as their last run) are not run again. With the LLM or
web enrichment on, the leads of a batch run in a thread pool of LLM_CONCURRENCY, since they
mostly wait on the network.
"""

import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import Q

from leadops import llm, runtime
from leads.models import Company, Lead
from outreach.models import Suppression
from scoring import enrichment, rules
from scoring.models import ScoringConfig
from scoring.pipeline.crm import RunSummary, log_to_crm
from scoring.pipeline.nodes import NODES, Fallback, RunContext
from scoring.pipeline.state import LeadSnapshot, NodeEvent, QualificationState, fingerprint

logger = logging.getLogger(__name__)


def load_context(leads: list[Lead]) -> RunContext:
    config = ScoringConfig.objects.filter(is_active=True).first()
    llm_enabled = llm.enabled()
    domains = {enrichment.company_domain(lead.email, lead.website) for lead in leads} - {""}
    return RunContext(
        rules=rules.Rules.of(config), config=config, llm_enabled=llm_enabled,
        llm_model=f"{runtime.get('LLM_PROVIDER')}:{llm.model_name()}" if llm_enabled else "none",
        web_enrichment=bool(runtime.get("WEB_ENRICHMENT")), max_adjustment=settings.LLM_MAX_SCORE_ADJUSTMENT,
        enterprise_min_size=settings.ENTERPRISE_MIN_COMPANY_SIZE,
        enterprise_min_budget=settings.ENTERPRISE_MIN_BUDGET,
        memory=enrichment.company_memory(domains, [lead.pk for lead in leads]),
        company_sizes=dict(Company.objects.filter(domain__in=domains).exclude(size_band="")
                           .values_list("domain", "size_band")),
        leads={str(lead.pk): lead for lead in leads},
    )


def suppressed_addresses(leads: list[Lead]) -> set[str]:
    """Which of these leads' addresses are on the do-not-contact list (by address or domain)."""
    emails = {lead.email.strip().lower() for lead in leads if lead.email}
    if not emails:
        return set()
    domains = {email.rpartition("@")[2] for email in emails}
    rows = Suppression.objects.filter(Q(email__in=emails) | Q(domain__in=domains)).values_list("email", "domain")
    blocked_emails = {email for email, _domain in rows if email}
    blocked_domains = {domain for _email, domain in rows if domain}
    return {email for email in emails if email in blocked_emails or email.rpartition("@")[2] in blocked_domains}


def run_nodes(state: QualificationState, context: RunContext) -> QualificationState:
    for node in NODES:
        started_at = datetime.now(timezone.utc)
        started = time.perf_counter()
        status = "ok"
        try:
            summary = node(state, context)
        except Fallback as fallback:
            summary, status = str(fallback), "fallback"
        except Exception as error:  # noqa: BLE001 - one bad lead must not sink its batch; recorded as ERROR
            logger.exception("Qualification of lead %s failed in %s", state.lead.id, node.__name__)
            summary, status = f"{type(error).__name__}: {error}"[:300], "failed"
            state.error = f"{node.__name__}: {type(error).__name__}: {error}"
        state.events.append(NodeEvent(node=node.__name__, started_at=started_at, status=status, summary=summary,
                                      duration_ms=round((time.perf_counter() - started) * 1000, 3)))
        if status == "failed":
            break
    return state


def qualify(lead_ids: Iterable[UUID | str]) -> RunSummary:
    """Qualify these leads (one batch); returns what happened to them."""
    ids = list(dict.fromkeys(str(lead_id) for lead_id in lead_ids))
    leads = list(Lead.objects.filter(pk__in=ids))
    summary = RunSummary(not_found=len(ids) - len(leads))
    if not leads:
        return summary
    context = load_context(leads)
    suppressed = suppressed_addresses(leads)

    def fingerprint_of(lead: Lead) -> str:
        return fingerprint(LeadSnapshot.of(lead), config_version=context.rules.version, llm=context.llm_model)

    to_run: list[QualificationState] = []
    unchanged: list[QualificationState] = []
    for lead in leads:
        state = QualificationState(lead=LeadSnapshot.of(lead), fingerprint=fingerprint_of(lead),
                                   suppressed=lead.email.strip().lower() in suppressed)
        (unchanged if lead.qualified_fingerprint == state.fingerprint else to_run).append(state)

    if (context.llm_enabled or context.web_enrichment) and len(to_run) > 1:
        with ThreadPoolExecutor(max_workers=settings.LLM_CONCURRENCY) as pool:
            list(pool.map(lambda state: run_nodes(state, context), to_run))
    else:
        for state in to_run:
            run_nodes(state, context)
    summary.add(log_to_crm(to_run, unchanged, fingerprint_of))
    return summary


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
