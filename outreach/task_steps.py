"""Task steps: a sequence step that asks the lead's rep to do something by hand (a call, a LinkedIn message, any
to-do) and holds the sequence until it is done (HubSpot's task steps).

When the step is due the rep gets the task (`leads.rep_tasks.create_task`, once per enrollment and step: its
`origin_key`) and the sequence pauses (`outreach.pausing`). Marking the task done (`leads.signals.task_completed`)
resumes the sequence, and its next step is due its working days after that moment. Cancelling or deleting the
task (`leads.signals.task_cancelled`) resumes it the same way, the step counted as skipped: a task nobody will
do must not hold the lead's follow-ups for ever.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone

from leads import rep_tasks
from leads.models import Task
from outreach import pausing
from outreach.models import Enrollment, SequenceStep
from outreach.quotas import Window

_ORIGIN_PREFIX = "enrollment:"


def origin_key(enrollment: Enrollment, step: SequenceStep) -> str:
    return f"{_ORIGIN_PREFIX}{enrollment.pk}:step:{step.position}"


def open_task(enrollment: Enrollment, step: SequenceStep, *, has_next: bool, now: datetime) -> Task:
    """Give the lead's rep the step's task and, when a step follows it, pause the sequence until it is done."""
    lead = enrollment.lead
    task = rep_tasks.create_task(lead, kind=step.task_kind, title=step.task_title, due_at=now,
                                 source=Task.Source.SEQUENCE, origin_key=origin_key(enrollment, step),
                                 notes=f"Step {step.position} of the “{enrollment.sequence}” sequence.")
    if has_next:
        pausing.pause([lead], f"waiting for the task “{step.task_title}”")
    return task


def _waiting_for(task: Task) -> tuple[Enrollment, int] | None:
    """The paused enrollment whose step made this task, and the step's position; None when there is none."""
    if task.source != Task.Source.SEQUENCE or not task.origin_key.startswith(_ORIGIN_PREFIX):
        return None
    enrollment_id, _step, position = task.origin_key.removeprefix(_ORIGIN_PREFIX).partition(":step:")
    enrollment = (Enrollment.objects.filter(pk=enrollment_id, status=Enrollment.Status.PAUSED,
                                            last_step_position=int(position))
                  .select_related("lead", "sequence").first())
    return (enrollment, int(position)) if enrollment is not None else None


def _go_on(enrollment: Enrollment, position: int, by: Any, reason: str, now: datetime) -> bool:
    """Resume after the step at `position`, the next step due its wait after now."""
    following = enrollment.sequence.steps.filter(position__gt=position).order_by("position").first()
    due = Window.for_lead(enrollment.lead).after_working_days(now, following.wait_business_days) if following else now
    Enrollment.objects.filter(pk=enrollment.pk).update(next_due_at=due, updated_at=now)
    return bool(pausing.resume([enrollment.lead], by, reason=reason))


def resume_after(task: Task, now: datetime | None = None) -> bool:
    """A sequence's task was done: resume its enrollment, the next step due its wait after now. False when the
    task is no sequence's or its enrollment no longer waits for it."""
    waiting = _waiting_for(task)
    if waiting is None:
        return False
    enrollment, position = waiting
    return _go_on(enrollment, position, task.done_by, f"the task “{task.title}” is done", now or timezone.now())


def skip_after(task: Task, by: Any = None, now: datetime | None = None) -> bool:
    """A sequence's task was cancelled or deleted: its step is skipped and the enrollment resumes as if it were
    done. False when the task is no sequence's or its enrollment no longer waits for it."""
    waiting = _waiting_for(task)
    if waiting is None:
        return False
    enrollment, position = waiting
    reason = f"the task “{task.title}” was cancelled, so step {position} is skipped"
    return _go_on(enrollment, position, by, reason, now or timezone.now())


def resume_on_task_done(sender: Any, task: Task, **kwargs: Any) -> None:
    """`task_completed` (sent once the task's completion committed)."""
    resume_after(task)


def skip_on_task_cancelled(sender: Any, task: Task, actor: Any = None, **kwargs: Any) -> None:
    """`task_cancelled` (sent once the cancellation or deletion committed)."""
    skip_after(task, actor)
