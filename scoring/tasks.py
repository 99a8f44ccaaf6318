"""Celery tasks for qualification: thin glue around scoring.pipeline."""

from collections.abc import Iterable
from uuid import UUID


def enqueue_qualification(lead_ids: Iterable[UUID | str]) -> None:
    """Queue qualification of these leads once the current transaction commits, in batches.

    Intake calls this for every created or changed lead. (Implemented with the pipeline.)
    """
