"""What a batch's transaction reads before the nodes run, in as few statements as possible.

A per-lead task is a batch of one, so every statement here is paid once per lead: on PostgreSQL
the lock also brings the active scoring version, the do-not-contact check and the lead's open
drafts (one statement), and the companies come with their company memory (one more). Building
these queries through the ORM cost more than running them, so they are plain SQL made once
from the models' metadata, as in `bulk`. Other databases (the SQLite embedded default) take the
same facts from ORM queries, one at a time. The decisions made from these facts stay in Python.
"""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Q

from leadops.db import SKIP_COMMIT_FLUSH_SQL, prepared_cursor
from leads.models import Company, Lead
from outreach.models import EmailDraft, Suppression
from scoring import enrichment
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
    # `domains_read` are the domains looked up there, found or not (see `companies_with_memory`).
    companies: dict[str, Company] = field(default_factory=dict)
    memory: dict[str, CompanyMemory] = field(default_factory=dict)
    domains_read: set[str] = field(default_factory=set)


def lock_leads(ids: list[str]) -> LockedBatch:
    """Lock these leads (in primary-key order, so two batches sharing leads cannot deadlock).

    On PostgreSQL the same statement also lets the transaction's COMMIT skip the WAL flush
    (see leadops.db.skip_commit_flush): everything a run writes can be recomputed, and
    scoring.tasks.requalify_stranded re-runs leads whose results a crash lost.
    """
    if connection.vendor != "postgresql":
        return _lock_leads_with_orm(ids)
    columns, sql = _lock_sql()
    company_columns = _company_fields()
    with prepared_cursor() as cursor:
        cursor.execute(sql, {"ids": ids})
        rows = cursor.fetchall()
    batch = LockedBatch(leads={})
    for row in rows:
        lead = _lead_from_row(columns, row)
        batch.leads[str(lead.pk)] = lead
        extra = len(columns)
        batch.active_config, suppressed, drafts, _flush, email_domain = row[extra:extra + 5]
        if suppressed:
            batch.suppressed.add(lead.email.strip().lower())
        batch.open_drafts += [(lead.pk, variant, state, author) for variant, state, author in drafts]
        if email_domain:
            batch.domains_read.add(email_domain)
            _add_company(batch.companies, batch.memory, company_columns, row[extra + 5:])
    return batch


def config_key(config: ScoringConfig | None) -> str | None:
    """The identity `lock_leads` reads for the active version (versions are never edited once saved)."""
    return None if config is None else f"{config.pk}:{config.version}"


@cache
def _loaded_fields() -> tuple[Any, ...]:
    return tuple(field for field in Lead._meta.concrete_fields if field.name not in OVERWRITTEN)


def _in_list(values: Any) -> str:
    """Constant choice values as an SQL list: binding them would cost more than the query's own work."""
    assert all(value.replace("_", "").isalnum() for value in values)
    return ", ".join(f"'{value}'" for value in values)


@cache
def _lock_sql() -> tuple[tuple[Any, ...], str]:
    fields = _loaded_fields()
    lead, config = Lead._meta.db_table, ScoringConfig._meta.db_table
    draft, suppression = EmailDraft._meta.db_table, Suppression._meta.db_table
    # The address as the Python side compares it (intake stores it trimmed and lower-case already);
    # the domain is what follows the last "@", like str.rpartition. The "<> ''" terms let the
    # partial unique indexes on email and domain serve the lookup, one EXISTS each: with an OR
    # inside one EXISTS PostgreSQL scans the whole do-not-contact list for every lead. The company
    # of the address's domain comes along (most leads' company domain), saving a statement a lead.
    # The ids are the one parameter (named, so both uses share it): psycopg adapts every list
    # parameter afresh on each call, the costliest part of sending this query.
    address = "lower(btrim(l.email))"
    sql = f"""
        SELECT {", ".join(f'l."{field.column}"' for field in fields)},
            (SELECT c.id || ':' || c.version FROM "{config}" c WHERE c.is_active) AS active_config,
            (EXISTS (SELECT 1 FROM "{suppression}" s WHERE s.email = {address} AND NOT (s.email = ''))
             OR EXISTS (SELECT 1 FROM "{suppression}" s
                         WHERE s.domain = substring({address} from '[^@]*$') AND NOT (s.domain = ''))) AS suppressed,
            (SELECT coalesce(json_agg(json_build_array(d.variant, d.state, d.generated_by)), '[]')
               FROM "{draft}" d
              WHERE d.lead_id = l.id AND d.variant IN ({_in_list(PIPELINE_VARIANTS)})
                AND d.state IN ({_in_list(EmailDraft.OPEN_STATES)})) AS open_drafts,
            {SKIP_COMMIT_FLUSH_SQL},
            substring({address} from '[^@]*$') AS email_domain,
            {", ".join(f'co."{field.column}"' for field in _company_fields())}, co.earlier, co.won, co.lost
        FROM "{lead}" l
        LEFT JOIN LATERAL ({_company_select()} WHERE c.domain = substring({address} from '[^@]*$')) co
          ON NOT (l.email = '')
        WHERE l.id = ANY(%(ids)s::uuid[]) ORDER BY l.id FOR UPDATE OF l
    """
    return fields, sql


def _lead_from_row(fields: tuple[Any, ...], row: tuple[Any, ...]) -> Lead:
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, row, strict=False)
    ]
    return Lead.from_db(connection.alias, [field.attname for field in fields], values)


def _lock_leads_with_orm(ids: list[str]) -> LockedBatch:
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
    rows = Suppression.objects.filter(Q(email__in=emails) | Q(domain__in=domains)).values_list(
        "email", "domain"
    )
    blocked_emails = {email for email, _domain in rows if email}
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
    if connection.vendor != "postgresql":
        found = Company.objects.in_bulk(list(domains), field_name="domain")
        memory |= enrichment.company_memory_by_id(
            {domain: company.pk for domain, company in found.items()}, exclude_lead_ids
        )
        return companies | found, memory
    fields = _company_fields()
    with prepared_cursor() as cursor:
        cursor.execute(
            f"{_company_select()} WHERE c.domain = ANY(%(domains)s)",
            {"ids": [str(pk) for pk in exclude_lead_ids], "domains": list(domains)},
        )
        for row in cursor.fetchall():
            _add_company(companies, memory, fields, row)
    return companies, memory


def _add_company(
    companies: dict[str, Company], memory: dict[str, CompanyMemory], fields: tuple[Any, ...], row: tuple[Any, ...]
) -> None:
    """Add a row of `_company_select` (all NULL when a LEFT JOIN found no company)."""
    values, (earlier, won, lost) = row[:len(fields)], row[len(fields):]
    if values[0] is None:
        return
    company = Company.from_db(
        connection.alias,
        [field.attname for field in fields],
        [
            field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
            for field, value in zip(fields, values, strict=True)
        ],
    )
    companies[company.domain] = company
    if earlier:
        memory[company.domain] = CompanyMemory(domain=company.domain, earlier_leads=earlier, won=won, lost=lost)


@cache
def _company_fields() -> tuple[Any, ...]:
    return tuple(Company._meta.concrete_fields)


@cache
def _company_select() -> str:
    """Company rows with their memory: the leads there other than the batch's (%(ids)s), won and lost."""
    company, lead = Company._meta.db_table, Lead._meta.db_table
    return f"""
        SELECT {", ".join(f'c."{field.column}"' for field in _company_fields())}, m.earlier, m.won, m.lost
        FROM "{company}" c CROSS JOIN LATERAL (
            SELECT count(*) AS earlier, count(*) FILTER (WHERE l2.status = '{Lead.Status.CLOSED_WON}') AS won,
                   count(*) FILTER (WHERE l2.status = '{Lead.Status.CLOSED_LOST}') AS lost
            FROM "{lead}" l2 WHERE l2.company_id = c.id AND NOT (l2.id = ANY(%(ids)s::uuid[]))
        ) m
    """
