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
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Model

from leadops.db import prepared_cursor
from leads.bulk_write import insertable_fields


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


def _rows(objects: list[Model], fields: list[Any]) -> str:
    return json.dumps(
        [{field.column: field.value_from_object(obj) for field in fields} for obj in objects],
        cls=DjangoJSONEncoder,
    )


def _columns(fields: list[Any]) -> str:
    return ", ".join(f'"{field.column}"' for field in fields)


def _insert_sql(write: Write) -> tuple[str, str]:
    meta, objects = write.model._meta, write.objects
    # Rows made with their auto-numbered id (rare) write it; otherwise the database numbers them.
    fields = insertable_fields(write.model) if objects[0].pk is None else write.model._meta.concrete_fields
    # Defaults were filled when the objects were made; auto_now fields get "now" as save() would.
    stamped = [field for field in fields if getattr(field, "auto_now", False)]
    for obj in objects:
        for field in stamped:
            field.pre_save(obj, add=True)
    sql = (
        f'INSERT INTO "{meta.db_table}" ({_columns(fields)}) '
        f'SELECT {_columns(fields)} FROM jsonb_populate_recordset(NULL::"{meta.db_table}", %s::jsonb)'
    )
    if write.ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    return sql, _rows(objects, fields)


def _update_sql(write: Write) -> tuple[str, str]:
    meta = write.model._meta
    assert write.update_fields
    fields = [meta.pk] + [meta.get_field(name) for name in write.update_fields]
    assignments = ", ".join(f'"{field.column}" = v."{field.column}"' for field in fields[1:])
    key = meta.pk.column
    sql = (
        f'UPDATE "{meta.db_table}" AS t SET {assignments} '
        f'FROM jsonb_populate_recordset(NULL::"{meta.db_table}", %s::jsonb) AS v WHERE t."{key}" = v."{key}"'
    )
    return sql, _rows(write.objects, fields)
