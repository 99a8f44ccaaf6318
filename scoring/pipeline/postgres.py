"""PostgreSQL's fast path for a batch's reads and writes; `reads` and `writes` are the plain ORM version.

What it speeds up: qualification on bench/pipeline_bench.py, the per-lead run above all (one task
per lead, target >= 300 leads/s), where a batch is one lead and every statement is paid once per
lead; the bulk run (target >= 1,000 leads/s) gains too. A batch, of one lead or a hundred, takes two
statements here besides BEGIN and COMMIT, against ten through the ORM version (six reads, four
writes); a batch that brings a new company domain adds one INSERT. By how much: about a fifth of
the ORM version's CPU time per one-lead batch, measured in one process against the same database.

- The lock (`lock_leads`) also reads the active scoring version, the do-not-contact check (two
  EXISTS, one per partial unique index), the open pipeline drafts and the company of each address
  domain with its memory, and lets the COMMIT skip the WAL flush.
- The write (`run_together`) sends each table's rows as one JSON document that PostgreSQL unpacks
  with `jsonb_populate_recordset` (each value through its column type's own input function), and all
  of a batch's writes as data-modifying WITH clauses of one statement. Django's bulk_update builds a
  CASE expression per field and row, and bulk_create has psycopg quote every value in Python.
- Statements go through leadops.db.prepared_cursor, so PostgreSQL plans each shape once per
  connection; their text is built once per process from the models' metadata.
"""

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model

from leadops.db import SKIP_COMMIT_FLUSH_SQL, prepared_cursor
from leads.models import Company, Lead
from leads.postgres import insertable_fields
from outreach.models import EmailDraft, Suppression
from outreach.suppression import HASH_PREFIX
from scoring.models import ScoringConfig
from scoring.pipeline.batch import OVERWRITTEN, PIPELINE_VARIANTS, LockedBatch, Write
from scoring.pipeline.state import CompanyMemory

# --- Reads ------------------------------------------------------------------------------------------


def lock_leads(ids: list[str]) -> LockedBatch:
    """`reads.lock_leads` in one statement: the leads, locked, with everything the run and the save read.

    The same statement also lets the transaction's COMMIT skip the WAL flush (see
    leadops.db.skip_commit_flush): everything a run writes can be recomputed, and the stranded-lead
    sweep (scoring.requalification) re-runs leads whose results a crash lost.
    """
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
    # An erased person's row holds outreach.suppression.address_hash of the address, not the address.
    hashed = f"'{HASH_PREFIX}' || encode(sha256(convert_to({address}, 'UTF8')), 'hex')"
    sql = f"""
        SELECT {", ".join(f'l."{field.column}"' for field in fields)},
            (SELECT c.id || ':' || c.version FROM "{config}" c WHERE c.is_active) AS active_config,
            (EXISTS (SELECT 1 FROM "{suppression}" s WHERE s.email = {address} AND NOT (s.email = ''))
             OR EXISTS (SELECT 1 FROM "{suppression}" s WHERE s.email = {hashed} AND NOT (s.email = ''))
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


def companies_with_memory(
    domains: set[str], exclude_lead_ids: list[Any]
) -> tuple[dict[str, Company], dict[str, CompanyMemory]]:
    """`reads.companies_with_memory`'s look-up in one statement: the rows of these domains with their memory."""
    companies: dict[str, Company] = {}
    memory: dict[str, CompanyMemory] = {}
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


# --- Writes -----------------------------------------------------------------------------------------


def upsert(model: type[Model], objects: list[Model], *, unique_field: str, update_fields: list[str]) -> None:
    """`writes.upsert` as one INSERT .. ON CONFLICT .. RETURNING of the rows as one JSON document."""
    sql, rows = _insert_sql(Write(model, objects))
    column = model._meta.get_field(unique_field).column
    assignments = ", ".join(
        f'"{model._meta.get_field(name).column}" = EXCLUDED."{model._meta.get_field(name).column}"'
        for name in update_fields
    )
    with prepared_cursor() as cursor:
        cursor.execute(
            f'{sql} ON CONFLICT ("{column}") DO UPDATE SET {assignments} '
            f'RETURNING "{model._meta.pk.column}", "{column}"',
            [rows],
        )
        keys = {value: key for key, value in cursor.fetchall()}
    for obj in objects:
        obj.pk = keys[getattr(obj, unique_field)]
        obj._state.adding, obj._state.db = False, connection.alias


def run_together(writes: list[Write]) -> None:
    """`writes.run_together` as one statement: each write a data-modifying WITH clause."""
    statements = [_update_sql(write) if write.update_fields else _insert_sql(write) for write in writes]
    *first, last = statements
    # The writes touch different tables and read nothing the others write, so their order within
    # the statement does not matter; foreign keys are checked at commit.
    prefix = "WITH " + ", ".join(f"write_{number} AS ({sql})" for number, (sql, _) in enumerate(first)) if first else ""
    with prepared_cursor() as cursor:
        cursor.execute(f"{prefix} {last[0]}", [rows for _, rows in statements])


def _rows(objects: list[Model], names: tuple[tuple[str, str], ...]) -> str:
    """The rows as a JSON array of {column: value}; `names` are (column, attname) pairs."""
    return json.dumps([{column: getattr(obj, attname) for column, attname in names} for obj in objects],
                      cls=DjangoJSONEncoder)


def _columns(fields: Iterable[Any]) -> str:
    return ", ".join(f'"{field.column}"' for field in fields)


def _names(fields: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    # getattr(obj, attname) is what value_from_object returns for every concrete field.
    return tuple((field.column, field.attname) for field in fields)


def _insert_sql(write: Write) -> tuple[str, str]:
    # Rows made with their auto-numbered id (rare) write it; otherwise the database numbers them.
    sql, names, stamped = _insert_statement(write.model, write.objects[0].pk is not None, write.ignore_conflicts)
    # Defaults were filled when the objects were made; auto_now fields get "now" as save() would.
    for obj in write.objects:
        for field in stamped:
            field.pre_save(obj, add=True)
    return sql, _rows(write.objects, names)


@cache
def _insert_statement(
    model: type[Model], with_pk: bool, ignore_conflicts: bool
) -> tuple[str, tuple[tuple[str, str], ...], tuple[Any, ...]]:
    """The INSERT's SQL, its (column, attname) pairs and its auto_now fields: the same for every batch."""
    table = model._meta.db_table
    fields = model._meta.concrete_fields if with_pk else insertable_fields(model)
    sql = (
        f'INSERT INTO "{table}" ({_columns(fields)}) '
        f'SELECT {_columns(fields)} FROM jsonb_populate_recordset(NULL::"{table}", %s::jsonb)'
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    return sql, _names(fields), tuple(field for field in fields if getattr(field, "auto_now", False))


def _update_sql(write: Write) -> tuple[str, str]:
    assert write.update_fields
    sql, names = _update_statement(write.model, tuple(write.update_fields))
    return sql, _rows(write.objects, names)


@cache
def _update_statement(model: type[Model], update_fields: tuple[str, ...]) -> tuple[str, tuple[tuple[str, str], ...]]:
    meta = model._meta
    fields = [meta.pk] + [meta.get_field(name) for name in update_fields]
    assignments = ", ".join(f'"{field.column}" = v."{field.column}"' for field in fields[1:])
    key = meta.pk.column
    sql = (
        f'UPDATE "{meta.db_table}" AS t SET {assignments} '
        f'FROM jsonb_populate_recordset(NULL::"{meta.db_table}", %s::jsonb) AS v WHERE t."{key}" = v."{key}"'
    )
    return sql, _names(fields)
