"""Fast bulk writes for intake: PostgreSQL COPY for new rows, and a compact set of keys already seen.

Django's `bulk_create` costs ~70 µs a row in Python for a model as wide as `Lead`, which alone would
miss the import target of 17,000 rows/s; COPY streams the same rows for a fraction of that. SQLite (the
embedded default) has no COPY and imports are small there, so it keeps using `bulk_create`.
"""

import itertools
import json
import operator
import os
import re
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

# Lists of strings travel to PostgreSQL as one text split by the server: psycopg builds array
# parameters in Python, element by element, which cost more than the statements using them.
_SEPARATOR = "\x1f"  # ASCII unit separator: not part of an email, a domain or an id
# The leading separator and [2:] keep a single empty string a one-element array.
_TEXT_ARRAY = "(string_to_array(chr(31) || %s, chr(31)))[2:]"
_RAND_B_MASK = (1 << 62) - 1  # a version 7 UUID's last 62 bits are random


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


# Rows per write to COPY: one text for a whole batch would be megabytes held at once.
COPY_CHUNK_ROWS = 256


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows given as {attname: value}; every column a row does not name gets the field's default.

    The caller supplies primary keys the database does not generate.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])  # type: ignore[misc]
        return
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

    Psycopg's write_row adapts value by value (~10 µs a row for a lead); a column of plain strings is
    taken as it is here, and a column of repeated values (timestamps, ids of companies) converts each
    distinct value once.
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
        return str(value)  # foreign keys: asking the field costs ~5 µs, a thousand times a batch
    if value.__class__ is bool:
        return "t" if value else "f"
    if value.__class__ is datetime:
        return value.isoformat()
    return str(field.get_db_prep_value(value, connection))


def new_uuids(count: int) -> list[str]:
    """`count` new ids as 32 hex digits: time-ordered UUIDs (version 7, RFC 9562), made in one go.

    Time-ordered ids land at the end of the primary-key index instead of at random pages across it,
    which keeps inserts into a table of millions of leads cheap; uuid.uuid4() also cost ~2 µs each.
    The 74 random bits of each id come from one os.urandom call for the whole batch.
    """
    milliseconds = time.time_ns() // 1_000_000
    fixed = milliseconds << 80 | 0x7 << 76 | 0b10 << 62  # timestamp, version 7, variant
    random = os.urandom(10 * count)
    ids = []
    for start in range(0, 10 * count, 10):
        bits = int.from_bytes(random[start:start + 10])
        ids.append(f"{fixed | (bits >> 68) << 64 | bits & _RAND_B_MASK:032x}")
    return ids


def insert_missing(
    model: type[models.Model], unique_field: str, texts: dict[str, list[str]], constants: dict[str, Any]
) -> dict[str, Any]:
    """Insert rows whose `unique_field` value is not stored yet; returns {unique value: primary key}.

    `texts` holds one list of strings per column (one entry per row); `constants` one value per column
    for every row; other columns get their field default. Safe when another process inserts the same
    values at the same time (ON CONFLICT DO NOTHING); one statement however many rows.
    """
    keys = texts[unique_field]
    if not keys:
        return {}
    if connection.vendor != "postgresql":
        rows = [dict(zip(texts, values), **constants) for values in zip(*texts.values())]
        model.objects.bulk_create([model(**row) for row in rows], ignore_conflicts=True)  # type: ignore[misc]
        return dict(model.objects.filter(**{f"{unique_field}__in": keys}).values_list(unique_field, "pk"))
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
                       f"WHERE {unique_column} = ANY({_TEXT_ARRAY})", [_joined(keys)])
        return dict(cursor.fetchall())


def log_ingested(
    activity_model: type[models.Model], lead_ids: Sequence[UUID | str], sources: Sequence[str], *,
    extra_payload: dict[str, Any], actor_id: int | None, actor_label: str, created_at: datetime,
) -> None:
    """PostgreSQL: an INGESTED activity for each new lead, {"source": its source, **extra_payload}.

    Ids and sources travel as two array texts unnested side by side: building and copying a row per lead
    in Python cost more, and reading the source back from each new lead cost an index probe a row.
    """
    if not lead_ids:
        return
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
    """Strings for an `any_of` lookup. Not a list, so Django does not inspect them one by one."""

    __slots__ = ("values",)

    def __init__(self, values: list[str]) -> None:
        self.values = values


@models.CharField.register_lookup
class AnyOf(models.Lookup):
    """`column__any_of=TextList([...])` -> `column = ANY(...)`, the whole list as one parameter."""

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


class SeenKeys:
    """Which dedupe keys this import has already handled, in about 9 bytes a key.

    A Python set of a million e-mail addresses costs ~100 MB. This keeps each key's 64-bit hash as
    8 bytes in one of BUCKETS byte arrays, chosen by the hash's low bits; a lookup is one `find` in a
    few kilobytes (C speed), and no library beyond the standard one is loaded for it. A false "seen"
    needs two different keys with the same 64-bit hash (odds ~1 in 10^7 for 10^6 keys in one file).
    """

    BUCKETS = 4096  # a power of two; at a million keys each bucket holds ~2 KB

    def __init__(self) -> None:
        self._buckets = [bytearray() for _ in range(self.BUCKETS)]
        self._count = 0

    def contains(self, keys: Iterable[str]) -> list[bool]:
        return [self._has(hash(key)) for key in keys]

    def _has(self, hashed: int) -> bool:
        bucket = self._buckets[hashed & (self.BUCKETS - 1)]
        packed = hashed.to_bytes(8, "little", signed=True)
        position = bucket.find(packed)
        while position >= 0 and position % 8:  # a match straddling two entries is not one
            position = bucket.find(packed, position + 1)
        return position >= 0

    def add(self, keys: Iterable[str]) -> None:
        """Remember keys (intake adds only keys it has not seen, so none is stored twice)."""
        buckets, mask = self._buckets, self.BUCKETS - 1
        for key in keys:
            hashed = hash(key)
            buckets[hashed & mask] += hashed.to_bytes(8, "little", signed=True)
            self._count += 1

    def __len__(self) -> int:
        return self._count
