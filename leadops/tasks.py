"""The project's own Celery task: send the tasks that waited for the broker (leadops.outbox)."""

from celery import shared_task

from leadops import outbox


@shared_task(name="leadops.tasks.send_deferred_tasks", ignore_result=True, acks_late=True)
def send_deferred_tasks() -> int:
    """Beat, every few seconds: a no-op query while nothing waits."""
    return outbox.send_deferred()
