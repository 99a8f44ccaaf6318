"""A rep's tasks: create one (once per origin), complete it, move its due date, cancel it.

Every door (the lead page, Today, the pipeline, a reply, a sequence step, the assistant, the admin) comes here, so
each change is on the lead's timeline and `task_completed` or `task_cancelled` is sent exactly once per task.
"""

from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from leads.assignment import person_name
from leads.models import ActivityLog, Lead, Task
from leads.signals import task_cancelled, task_completed


def _user(value: Any) -> Any:
    return value if getattr(value, "is_authenticated", False) else None


def _record(task: Task, event: str, by: Any = None, **extra: Any) -> None:
    payload = {"event": event, "task": task.pk, "kind": task.kind, "title": task.title, **extra}
    ActivityLog.record(task.lead, ActivityLog.Type.TASK, actor=by, payload=payload)


def create_task(
    lead: Lead, *, kind: str, title: str, due_at: datetime | None = None, assignee: Any = None,
    created_by: Any = None, source: str = Task.Source.MANUAL, origin_key: str = "", notes: str = "",
) -> Task:
    """A new open task for the lead, assigned to `assignee` or else to the lead's owner.

    With an `origin_key` already used, the task made the first time is returned and nothing is written.
    """
    if origin_key:
        existing = Task.objects.filter(origin_key=origin_key).first()
        if existing is not None:
            return existing
    task = Task(lead=lead, kind=kind, title=title.strip()[:200], notes=notes, due_at=due_at,
                assignee=assignee if assignee is not None else lead.owner, created_by=_user(created_by),
                source=source, origin_key=origin_key)
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        if not origin_key:
            raise
        return Task.objects.get(origin_key=origin_key)  # a concurrent run made it first
    _record(task, "created", created_by, source=source,
            due_at=task.due_at.isoformat() if task.due_at else None,
            assignee=person_name(task.assignee) or None)
    return task


def complete_task(task: Task, by: Any) -> bool:
    """Mark an open task done; False when it was already done or cancelled. `task_completed` follows the commit."""
    now = timezone.now()
    with transaction.atomic():
        done = Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
            status=Task.Status.DONE, done_at=now, done_by=_user(by), updated_at=now)
        if not done:
            return False
        task.refresh_from_db()
        _record(task, "done", by)
        transaction.on_commit(partial(task_completed.send, sender=Task, task=task))
    return True


def reschedule_task(task: Task, due_at: datetime | None, by: Any) -> bool:
    """Move an open task's due date (None: no date); False when the task is no longer open."""
    if not Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(due_at=due_at, updated_at=timezone.now()):
        return False
    task.refresh_from_db()
    _record(task, "rescheduled", by, due_at=due_at.isoformat() if due_at else None)
    return True


def cancel_task(task: Task, by: Any, *, reason: str = "") -> bool:
    """Drop an open task nobody needs to do any more; False when it was no longer open. `task_cancelled` follows
    the commit."""
    with transaction.atomic():
        if not Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
                status=Task.Status.CANCELLED, updated_at=timezone.now()):
            return False
        task.refresh_from_db()
        _record(task, "cancelled", by, reason=reason)
        transaction.on_commit(partial(task_cancelled.send, sender=Task, task=task, actor=_user(by)))
    return True


def announce_deleted_task(sender: Any, instance: Task, **kwargs: Any) -> None:
    """post_delete of a Task: an open task deleted (by an admin) will not be done either, so it is announced as
    cancelled. Nothing is written here: the lead may be being deleted in the same transaction."""
    if instance.status == Task.Status.OPEN:
        transaction.on_commit(partial(task_cancelled.send, sender=Task, task=instance, actor=None))
