"""Tasks queued while the broker is away wait in the database and go out as soon as it is back.

Every LeadOps task is an `OutboxTask` (the Celery app's task class). When the broker does not take a
message (Redis down: kombu gives up after its publish retries), `apply_async` (and so `delay` and
`delay_on_commit`) writes the task's name, arguments and id to `DeferredTask` instead of failing the
request or the task that queued it; `send_deferred` (the `leadops.tasks.send_deferred_tasks` beat
entry, every few seconds) sends the waiting rows once the broker answers. A lead taken in during an
outage is stored at once and queued for qualification within one beat interval of the broker's return,
rather than waiting for the stranded-lead sweep.

After a refusal the process does not try the broker again for BROKER_RETRY_SECONDS: each try costs
kombu's publish retries (most of a second), which every request would pay for the whole outage.

Beat's own ticks pass a producer and are left to beat, which logs the failure and sends the next tick:
a periodic task needs no replay of the ticks it missed. A row can be sent twice (a crash between the
send and the delete); every task is safe to run twice.
"""

import logging
import time
from typing import Any

from celery import current_app
from celery.contrib.django.task import DjangoTask
from celery.utils import uuid
from django.apps import apps
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What the broker client raises when it cannot reach the broker.
BROKER_DOWN = (OperationalError, OSError)
BROKER_RETRY_SECONDS = 2.0
# monotonic() time before which this process leaves the broker alone.
_away_until = 0.0


def _model() -> Any:
    # Looked up by name when used: the Celery app names this class before Django's models are loaded.
    return apps.get_model("leadops", "DeferredTask")


class OutboxTask(DjangoTask):
    """A task that is kept in the database, not lost, when the broker cannot take it."""

    abstract = True

    def apply_async(self, args: Any = None, kwargs: Any = None, task_id: str | None = None,
                    producer: Any = None, link: Any = None, link_error: Any = None, shadow: Any = None,
                    **options: Any) -> Any:
        global _away_until
        # Beat (or a caller holding its own connection) decides for itself; eager runs have no broker.
        keeps = producer is None and not self.app.conf.task_always_eager
        if keeps and time.monotonic() < _away_until:
            return self._keep(args, kwargs, task_id, "the broker was not answering a moment ago")
        try:
            result = super().apply_async(args, kwargs, task_id=task_id, producer=producer, link=link,
                                         link_error=link_error, shadow=shadow, **options)
        except BROKER_DOWN as error:
            if not keeps:
                raise
            _away_until = time.monotonic() + BROKER_RETRY_SECONDS
            logger.warning("The broker did not take %s (%s); it waits in the outbox", self.name, error,
                           extra={"task": self.name})
            return self._keep(args, kwargs, task_id, str(error))
        _away_until = 0.0
        return result

    def _keep(self, args: Any, kwargs: Any, task_id: str | None, error: str) -> Any:
        task_id = task_id or uuid()
        _model().objects.create(task_id=task_id, name=self.name, args=list(args or ()), kwargs=dict(kwargs or {}),
                                error=error[:300])
        return self.AsyncResult(task_id)


def waiting() -> int:
    """How many tasks wait for the broker."""
    return int(_model().objects.count())


def send_deferred(limit: int = 1000) -> int:
    """Send the waiting tasks, oldest first, until the broker refuses one; returns how many went out."""
    global _away_until
    sent: list[int] = []
    with transaction.atomic():
        rows = list(_model().objects.select_for_update(skip_locked=True).order_by("created_at", "id")[:limit])
        for row in rows:
            try:
                current_app.send_task(row.name, args=row.args, kwargs=row.kwargs, task_id=row.task_id)
            except BROKER_DOWN as error:
                logger.warning("The broker is still away (%s); %d tasks keep waiting", error, len(rows) - len(sent))
                break
            sent.append(row.pk)
        _model().objects.filter(pk__in=sent).delete()
    if sent:
        _away_until = 0.0
        logger.info("Sent %d tasks that waited for the broker", len(sent))
    return len(sent)
