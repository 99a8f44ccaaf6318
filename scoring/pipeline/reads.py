"""What a batch's transaction reads before the nodes run: its leads, locked, and what the run and the
save need about them (the active version, the do-not-contact list, open drafts, companies and their
memory).

This is the plain version: ORM queries, one fact at a time. A per-lead task is a batch of one, so
each statement here is paid once per lead; on PostgreSQL `lock_leads` and the company look-up hand
the work to `postgres`, which reads the same facts in one prepared statement each. The decisions
made from these facts stay in Python, in the pipeline.
"""

from typing import Any

from django.db import connection
from django.db.models import Q

from leads.models import Company, Lead
from outreach.models import EmailDraft, Suppression
from outreach.suppression import address_hash
from scoring import enrichment
from scoring.pipeline import postgres
from scoring.pipeline.batch import OVERWRITTEN, PIPELINE_VARIANTS, LockedBatch
from scoring.pipeline.state import CompanyMemory


def lock_leads(ids: list[str]) -> LockedBatch:
    """Lock these leads (in primary-key order, so two batches sharing leads cannot deadlock).

    With them: which of their addresses are suppressed and their open pipeline drafts. PostgreSQL's
    single statement also reads the active version and the companies of the address domains.
    """
    if connection.vendor == "postgresql":
        return postgres.lock_leads(ids)
    leads = Lead.objects.select_for_update().filter(pk__in=ids).defer(*OVERWRITTEN).order_by("pk")
    batch = LockedBatch(leads={str(lead.pk): lead for lead in leads})
    batch.suppressed = suppressed_addresses(list(batch.leads.values()))
    batch.open_drafts = list(
        EmailDraft.objects.filter(
            lead_id__in=ids, variant__in=PIPELINE_VARIANTS, state__in=EmailDraft.OPEN_STATES
        ).values_list("lead_id", "variant", "state", "generated_by")
    )
    return batch


def suppressed_addresses(leads: list[Lead]) -> set[str]:
    """Which of these leads' addresses are on the do-not-contact list (by address or domain)."""
    emails = {lead.email.strip().lower() for lead in leads if lead.email}
    if not emails:
        return set()
    domains = {email.rpartition("@")[2] for email in emails}
    hashes = {address_hash(email): email for email in emails}
    rows = Suppression.objects.filter(Q(email__in=emails | hashes.keys()) | Q(domain__in=domains)).values_list(
        "email", "domain"
    )
    blocked_emails = {hashes.get(email, email) for email, _domain in rows if email}
    blocked_domains = {domain for _email, domain in rows if domain}
    return {
        email for email in emails if email in blocked_emails or email.rpartition("@")[2] in blocked_domains
    }


def companies_with_memory(
    domains: set[str], exclude_lead_ids: list[Any], locked: LockedBatch | None = None
) -> tuple[dict[str, Company], dict[str, CompanyMemory]]:
    """The Company rows of these domains, and per domain the earlier leads there and how they ended.

    Domains `locked` already looked up (with the leads' lock) are not read again.
    """
    companies: dict[str, Company] = {}
    memory: dict[str, CompanyMemory] = {}
    if locked is not None:
        companies = {domain: row for domain, row in locked.companies.items() if domain in domains}
        memory = {domain: row for domain, row in locked.memory.items() if domain in domains}
        domains = domains - locked.domains_read
    if not domains:
        return companies, memory
    if connection.vendor == "postgresql":
        found, found_memory = postgres.companies_with_memory(domains, exclude_lead_ids)
        return companies | found, memory | found_memory
    found = Company.objects.in_bulk(list(domains), field_name="domain")
    memory |= enrichment.company_memory_by_id(
        {domain: company.pk for domain, company in found.items()}, exclude_lead_ids
    )
    return companies | found, memory
