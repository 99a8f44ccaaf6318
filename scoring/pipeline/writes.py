"""The save step's bulk writes: INSERT new rows, UPDATE named fields, INSERT or UPDATE by a unique field.

This is the plain version: the ORM's bulk methods, one write after the other. On PostgreSQL the same
writes go to `postgres`, which sends each write's rows as one JSON document and all of a batch's
writes as one statement.
"""

from django.db import connection
from django.db.models import Model

from scoring.pipeline import postgres
from scoring.pipeline.batch import Write


def upsert(model: type[Model], objects: list[Model], *, unique_field: str, update_fields: list[str]) -> None:
    """INSERT these unsaved rows; a row whose `unique_field` value exists updates `update_fields` instead.

    Either way each object gets its row's primary key.
    """
    if connection.vendor == "postgresql":
        postgres.upsert(model, objects, unique_field=unique_field, update_fields=update_fields)
        return
    model._default_manager.bulk_create(
        objects, update_conflicts=True, unique_fields=[unique_field], update_fields=update_fields
    )


def run_together(writes: list[Write]) -> None:
    """Run these writes (each to a different table): one statement on PostgreSQL."""
    writes = [write for write in writes if write.objects]
    if not writes:
        return
    if connection.vendor == "postgresql":
        postgres.run_together(writes)
        return
    for write in writes:
        manager = write.model._default_manager
        if write.update_fields:
            manager.bulk_update(write.objects, write.update_fields)
        else:
            manager.bulk_create(write.objects, ignore_conflicts=write.ignore_conflicts)
