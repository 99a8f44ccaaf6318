"""Bulk writes for log_to_crm that keep Python out of the way on PostgreSQL.

Django's bulk_update builds a CASE expression per field and row, and bulk_create has psycopg
quote every value of every row in Python; for the pipeline's batches either costs more than the
rest of the run. Here the rows travel as one JSON document that PostgreSQL unpacks with
`jsonb_populate_recordset` (each value through its column type's own input function). On other
databases (the SQLite embedded default) the ORM's bulk methods are used.
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import AutoField, BigAutoField, Model


def _rows(objects: list[Model], fields: list[Any]) -> str:
    return json.dumps(
        [{field.column: field.value_from_object(obj) for field in fields} for obj in objects],
        cls=DjangoJSONEncoder,
    )


def _columns(fields: list[Any]) -> str:
    return ", ".join(f'"{field.column}"' for field in fields)


def insert(model: type[Model], objects: list[Model]) -> None:
    """INSERT these unsaved rows (database-generated ids are not read back)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects)
        return
    meta = model._meta
    fields = [
        field
        for field in meta.concrete_fields
        if not (isinstance(field, (AutoField, BigAutoField)) and getattr(objects[0], field.attname) is None)
    ]
    # Defaults were filled when the objects were made; auto_now fields get "now" as save() would.
    stamped = [field for field in fields if getattr(field, "auto_now", False)]
    for obj in objects:
        for field in stamped:
            field.pre_save(obj, add=True)
    sql = (
        f'INSERT INTO "{meta.db_table}" ({_columns(fields)}) '
        f'SELECT {_columns(fields)} FROM jsonb_populate_recordset(NULL::"{meta.db_table}", %s::jsonb)'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_rows(objects, fields)])


def update(model: type[Model], objects: list[Model], field_names: list[str]) -> None:
    """UPDATE these fields of these saved rows in one statement."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, field_names)
        return
    meta = model._meta
    fields = [meta.pk] + [meta.get_field(name) for name in field_names]
    assignments = ", ".join(f'"{field.column}" = v."{field.column}"' for field in fields[1:])
    key = meta.pk.column
    sql = (
        f'UPDATE "{meta.db_table}" AS t SET {assignments} '
        f'FROM jsonb_populate_recordset(NULL::"{meta.db_table}", %s::jsonb) AS v WHERE t."{key}" = v."{key}"'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_rows(objects, fields)])
