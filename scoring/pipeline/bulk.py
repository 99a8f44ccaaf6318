"""Bulk writes for log_to_crm that keep Python out of the way on PostgreSQL.

Django's bulk_update builds a CASE expression per field and row, and bulk_create has psycopg
quote every value of every row in Python; for the pipeline's batches either costs more than the
rest of the run. Here the rows travel as one JSON document that PostgreSQL unpacks with
`jsonb_populate_recordset` (each value through its column type's own input function), and the
writes of a batch go as one statement (data-modifying WITH clauses): a per-lead task is a batch
of one, and each statement it sends costs about as much as its data. On other databases (the
SQLite embedded default) the ORM's bulk methods are used, one write after the other.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model

from leadops.db import prepared_cursor
from leads.postgres import insertable_fields


@dataclass
class Write:
    """One bulk INSERT (no `update_fields`) or UPDATE of `update_fields` for these rows."""

    model: type[Model]
    objects: list[Model]
    update_fields: list[str] | None = None
    # INSERT only: rows that would break a unique constraint are skipped (someone wrote them first).
    ignore_conflicts: bool = False


def insert(model: type[Model], objects: list[Model]) -> None:
    """INSERT these unsaved rows (database-generated ids are not read back)."""
    run_together([Write(model, objects)])


def update(model: type[Model], objects: list[Model], field_names: list[str]) -> None:
    """UPDATE these fields of these saved rows in one statement."""
    run_together([Write(model, objects, update_fields=field_names)])


def upsert(model: type[Model], objects: list[Model], *, unique_field: str, update_fields: list[str]) -> None:
    """INSERT these unsaved rows; a row whose `unique_field` value exists updates `update_fields` instead.

    Either way each object gets its row's primary key.
    """
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            objects, update_conflicts=True, unique_fields=[unique_field], update_fields=update_fields
        )
        return
    sql, rows = _insert_sql(Write(model, objects))
    column = model._meta.get_field(unique_field).column
    assignments = ", ".join(
        f'"{model._meta.get_field(name).column}" = EXCLUDED."{model._meta.get_field(name).column}"'
        for name in update_fields
    )
    with prepared_cursor() as cursor:
        cursor.execute(
            f'{sql} ON CONFLICT ("{column}") DO UPDATE SET {assignments} RETURNING "{model._meta.pk.column}", "{column}"',
            [rows],
        )
        keys = {value: key for key, value in cursor.fetchall()}
    for obj in objects:
        obj.pk = keys[getattr(obj, unique_field)]
        obj._state.adding, obj._state.db = False, connection.alias


def run_together(writes: list[Write]) -> None:
    """Run these writes (each to a different table): one statement on PostgreSQL."""
    writes = [write for write in writes if write.objects]
    if not writes:
        return
    if connection.vendor != "postgresql":
        for write in writes:
            _with_orm(write)
        return
    statements = [_update_sql(write) if write.update_fields else _insert_sql(write) for write in writes]
    *first, last = statements
    # The writes touch different tables and read nothing the others write, so their order within
    # the statement does not matter; foreign keys are checked at commit.
    prefix = "WITH " + ", ".join(f"write_{number} AS ({sql})" for number, (sql, _) in enumerate(first)) if first else ""
    with prepared_cursor() as cursor:
        cursor.execute(f"{prefix} {last[0]}", [rows for _, rows in statements])


def _with_orm(write: Write) -> None:
    manager = write.model._default_manager
    if write.update_fields:
        manager.bulk_update(write.objects, write.update_fields)
    else:
        manager.bulk_create(write.objects, ignore_conflicts=write.ignore_conflicts)


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
