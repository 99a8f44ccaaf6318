"""Intake's bulk writes: new rows, missing companies, INGESTED activities, and ids for new leads.

Each function is written with the ORM first, which is what the SQLite embedded default runs and what
the behaviour is; on PostgreSQL it hands the same work to its fast path in `leads.postgres`.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

import uuid_utils
from django.db import models, transaction

from leads import postgres
from leads.signals import leads_created


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows given as {attname: value}; every column a row does not name gets the field's default.

    The caller supplies primary keys the database does not generate.
    """
    if not rows:
        return
    if postgres.in_use():
        postgres.copy_rows(model, rows)
        return
    model.objects.bulk_create([model(**row) for row in rows])  # type: ignore[misc]


def insert_missing(
    model: type[models.Model], unique_field: str, texts: dict[str, list[str]], constants: dict[str, Any]
) -> dict[str, Any]:
    """Insert rows whose `unique_field` value is not stored yet; returns {unique value: primary key}.

    `texts` holds one list of strings per column (one entry per row); `constants` one value per column
    for every row; other columns get their field default. Safe when another process inserts the same
    values at the same time (conflicts are ignored).
    """
    keys = texts[unique_field]
    if not keys:
        return {}
    if postgres.in_use():
        return postgres.insert_missing(model, unique_field, texts, constants)
    rows = [dict(zip(texts, values), **constants) for values in zip(*texts.values())]
    model.objects.bulk_create([model(**row) for row in rows], ignore_conflicts=True)  # type: ignore[misc]
    return dict(model.objects.filter(**{f"{unique_field}__in": keys}).values_list(unique_field, "pk"))


def log_ingested(
    activity_model: type[models.Model], lead_ids: Sequence[UUID | str], sources: Sequence[str], *,
    extra_payload: dict[str, Any], actor_id: int | None, actor_label: str, created_at: datetime,
) -> None:
    """An INGESTED activity for each new lead, with payload {"source": its source, **extra_payload}."""
    if not lead_ids:
        return
    # Every created lead passes here (form, API, CSV, command): the one place to say so.
    transaction.on_commit(partial(leads_created.send, sender=None, lead_ids=list(lead_ids)))
    if postgres.in_use():
        postgres.log_ingested(activity_model, lead_ids, sources, extra_payload=extra_payload,
                              actor_id=actor_id, actor_label=actor_label, created_at=created_at)
        return
    insert_rows(activity_model, [
        {"lead_id": lead_id, "type": "INGESTED", "payload": {"source": source, **extra_payload},
         "actor_id": actor_id, "actor_label": actor_label, "created_at": created_at}
        for lead_id, source in zip(lead_ids, sources)
    ])


def new_uuids(count: int) -> list[str]:
    """`count` new ids as 32 hex digits: time-ordered UUIDs (version 7, RFC 9562).

    Time-ordered ids land at the end of the primary-key index instead of at random pages across it,
    which keeps inserts into a table of millions of leads cheap.
    """
    uuid7 = uuid_utils.uuid7
    return [uuid7().hex for _ in range(count)]
