"""PostgreSQL fast paths for intake's bulk writes and lookups.

`leads.bulk_write` and `leads.dedupe` hold the ORM versions these stand in for (what SQLite runs, and
the reference for what they do), and call these only when the database is PostgreSQL.

What they speed up is the CSV import (bench/import_bench.py, the README's import figure):

- `copy_rows`: new leads and their activities stream in through COPY instead of `bulk_create`, whose
  per-row Python cost for a model as wide as `Lead` alone would miss the import target.
- `insert_missing`: a batch's new companies in one INSERT ... ON CONFLICT DO NOTHING and one read-back.
- `log_ingested`: the database builds the INGESTED activities from the new ids and sources, in one statement.
- `any_of`: a batch's dedupe lookup sends its thousands of keys as one parameter, not one placeholder each.
- `index_probes_only`: the dedupe lookup probes the unique indexes instead of scanning the table.

Lists of strings travel to PostgreSQL as one text split by the server: psycopg builds array parameters
in Python, element by element, which costs more than the statements using them.
"""

import itertools
import json
import operator
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.db.models import F
from django.db.models.fields import AutoFieldMixin

_SEPARATOR = "\x1f"  # ASCII unit separator: not part of an email, a domain or an id
# The leading separator and [2:] keep a single empty string a one-element array.
_TEXT_ARRAY = "(string_to_array(chr(31) || %s, chr(31)))[2:]"
# Rows per write to COPY: one text for a whole batch would be megabytes held at once.
COPY_CHUNK_ROWS = 256


def in_use() -> bool:
    """The default database is PostgreSQL, so the fast paths apply."""
    return connection.vendor == "postgresql"


def _joined(values: list[str]) -> str:
    joined = _SEPARATOR.join(values)
    if joined.count(_SEPARATOR) != len(values) - 1:  # a value holds the separator itself (never in practice)
        joined = _SEPARATOR.join(value.replace(_SEPARATOR, " ") for value in values)
    return joined


@cache
def insertable_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The columns a bulk INSERT writes: every concrete field but an auto-numbered primary key, which
    the database assigns. Worked out once per model: the isinstance checks cost a per-lead task."""
    return tuple(field for field in model._meta.concrete_fields
                 if not (isinstance(field, AutoFieldMixin) and field.primary_key))


def copy_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """`bulk_write.insert_rows` through COPY: rows given as {attname: value}, other columns their default."""
    fields = insertable_fields(model)
    given = set().union(*rows)
    named = [field for field in fields if field.attname in given]
    defaulted = [field for field in fields if field.attname not in given]
    # Columns no row names hold the same default on every row: their text is made once.
    row_end = "".join(f"\t{_column_texts(field, [field.get_default()])[0]}" for field in defaulted) + "\n"
    row_defaults = {field.attname: field.get_default() for field in named}
    rows = [row if len(row) == len(named) else {**row_defaults, **row} for row in rows]
    # Column by column: each column's values are converted and checked for escapes in a few C-level passes.
    columns = [_column_texts(field, list(map(operator.itemgetter(field.attname), rows))) for field in named]
    names = ", ".join(connection.ops.quote_name(field.column) for field in named + defaulted)
    table = connection.ops.quote_name(model._meta.db_table)
    lines = map("\t".join, zip(*columns))
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        while chunk := list(itertools.islice(lines, COPY_CHUNK_ROWS)):
            copy.write(row_end.join(chunk) + row_end)


# COPY's text format: a tab between columns, a newline after each row, \N for NULL, and these escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def _column_texts(field: models.Field, values: list[Any]) -> list[str]:
    """One column's values in COPY's text format.

    Psycopg's write_row would adapt value by value; a column of plain strings is taken as it is here,
    and a column of repeated values (timestamps, ids of companies) converts each distinct value once.
    """
    has_nulls = None in values
    present = [value for value in values if value is not None] if has_nulls else values
    if isinstance(field, models.JSONField):
        texts = list(map(json.dumps, present))
    elif set(map(type, present)) <= {str}:
        texts = present
    else:
        by_value = {value: _scalar_text(field, value) for value in set(present)}
        texts = list(map(by_value.__getitem__, present))
    if _NEEDS_ESCAPE.search("".join(texts)):
        texts = [text.translate(_COPY_ESCAPES) for text in texts]
    if has_nulls:
        remaining = iter(texts)
        texts = ["\\N" if value is None else next(remaining) for value in values]
    return texts


def _scalar_text(field: models.Field, value: Any) -> str:
    if value.__class__ is int:
        return str(value)  # foreign keys: asking the field costs more, a thousand times a batch
    if value.__class__ is bool:
        return "t" if value else "f"
    if value.__class__ is datetime:
        return value.isoformat()
    return str(field.get_db_prep_value(value, connection))


def insert_missing(
    model: type[models.Model], unique_field: str, texts: dict[str, list[str]], constants: dict[str, Any]
) -> dict[str, Any]:
    """`bulk_write.insert_missing` in one INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING."""
    columns, selected, params, arrays = [], [], [], []
    for field in insertable_fields(model):
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in texts:
            selected.append(f"u.c{len(arrays)}")
            arrays.append(field.attname)
            continue
        value = constants[field.attname] if field.attname in constants else field.get_default()
        selected.append(f"%s::{field.db_type(connection)}")
        params.append(json.dumps(value) if isinstance(field, models.JSONField) else value)
    unnest = ", ".join([_TEXT_ARRAY] * len(arrays))
    aliases = ", ".join(f"c{position}" for position in range(len(arrays)))
    params += [_joined(texts[name]) for name in arrays]
    table = connection.ops.quote_name(model._meta.db_table)
    unique_column = connection.ops.quote_name(model._meta.get_field(unique_field).column)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(selected)} "
                       f"FROM unnest({unnest}) AS u({aliases}) ON CONFLICT ({unique_column}) DO NOTHING", params)
        cursor.execute(f"SELECT {unique_column}, {connection.ops.quote_name(model._meta.pk.column)} FROM {table} "
                       f"WHERE {unique_column} = ANY({_TEXT_ARRAY})", [_joined(texts[unique_field])])
        return dict(cursor.fetchall())


def log_ingested(
    activity_model: type[models.Model], lead_ids: Sequence[UUID | str], sources: Sequence[str], *,
    extra_payload: dict[str, Any], actor_id: int | None, actor_label: str, created_at: datetime,
) -> None:
    """`bulk_write.log_ingested` in one statement.

    Ids and sources travel as two array texts unnested side by side: building and copying a row per lead
    in Python cost more, and reading the source back from each new lead cost an index probe a row.
    """
    activities = connection.ops.quote_name(activity_model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {activities} (lead_id, type, payload, actor_id, actor_label, created_at) "
            f"SELECT new.id, 'INGESTED', jsonb_build_object('source', new.source) || %s::jsonb, %s, %s, %s "
            f"FROM unnest(%s::uuid[], {_TEXT_ARRAY}) AS new(id, source)",
            [json.dumps(extra_payload), actor_id, actor_label, created_at,
             "{" + ",".join(map(str, lead_ids)) + "}", _joined(list(sources))],
        )


class TextList:
    """Strings for `AnyOf`. Not a list, so Django does not inspect them one by one."""

    __slots__ = ("values",)

    def __init__(self, values: list[str]) -> None:
        self.values = values


class AnyOf(models.Lookup):
    """`column = ANY(...)` with the whole list as one parameter; used as an expression (see `any_of`)."""

    lookup_name = "any_of"
    prepare_rhs = False  # the list is the parameter, not a value to convert to a string

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs.values)
        try:
            joined = _SEPARATOR.join(values)
        except TypeError:
            joined = None
        if joined is not None and joined.count(_SEPARATOR) == len(values) - 1:
            return f"{lhs} = ANY({_TEXT_ARRAY})", [*lhs_params, joined]
        return f"{lhs} = ANY(%s)", [*lhs_params, values]


def any_of(column: str, values: list[str]) -> AnyOf:
    """A filter for `queryset.filter(...)`: `column` (a field or an annotation) is one of `values`."""
    return AnyOf(F(column), TextList(values))


@contextmanager
def index_probes_only() -> Iterator[None]:
    """Inside the block, PostgreSQL probes indexes rather than reading the whole table (a no-op elsewhere).

    For the dedupe lookup of a batch's leads by their unique keys: the planner costs each of a batch's
    ~2,000 probes as a random disk read, so from some tens of thousands of leads up to some hundreds of
    thousands it preferred a sequential scan, growing with the table, where the probes take a few
    milliseconds. Must run inside the batch's transaction: the setting lasts until it ends.
    """
    if not in_use():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan TO off")
        yield
        cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
