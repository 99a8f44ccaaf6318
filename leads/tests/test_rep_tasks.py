"""leads.rep_tasks: a rep's tasks on a lead, made once per origin, done once, on the timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import LeadFactory
from leads import rep_tasks
from leads.models import ActivityLog, Task
from leads.signals import task_completed

pytestmark = pytest.mark.django_db


def test_a_new_task_goes_to_the_leads_owner_and_is_on_its_timeline(rep, manager):
    lead = LeadFactory(owner=rep)
    due = timezone.now() + timedelta(days=1)
    task = rep_tasks.create_task(lead, kind=Task.Kind.CALL, title="Call about the pilot", due_at=due,
                                 created_by=manager)
    assert (task.assignee, task.status, task.created_by, task.source) == (rep, Task.Status.OPEN, manager,
                                                                          Task.Source.MANUAL)
    entry = lead.activities.get(type=ActivityLog.Type.TASK)
    assert (entry.actor, entry.payload["event"], entry.payload["title"]) == (manager, "created", "Call about the pilot")


def test_the_same_origin_twice_makes_one_task_and_one_timeline_entry(rep):
    lead = LeadFactory()
    first = rep_tasks.create_task(lead, kind=Task.Kind.CALL, title="Call", assignee=rep,
                                  source=Task.Source.PIPELINE, origin_key=f"hot-no-email:{lead.pk}")
    again = rep_tasks.create_task(lead, kind=Task.Kind.EMAIL, title="Something else",
                                  origin_key=f"hot-no-email:{lead.pk}")
    assert again.pk == first.pk and again.kind == Task.Kind.CALL
    assert Task.objects.count() == 1
    assert lead.activities.filter(type=ActivityLog.Type.TASK).count() == 1


def test_tasks_without_an_origin_are_never_merged(rep):
    lead = LeadFactory()
    for _ in range(2):
        rep_tasks.create_task(lead, kind=Task.Kind.CUSTOM, title="Send the deck", assignee=rep)
    assert lead.tasks.count() == 2


def test_completing_announces_once_after_commit_and_a_second_completion_changes_nothing(
        rep, django_capture_on_commit_callbacks):
    lead = LeadFactory(owner=rep)
    task = rep_tasks.create_task(lead, kind=Task.Kind.LINKEDIN, title="Connect on LinkedIn")
    heard: list[Task] = []

    def receiver(sender, task, **kwargs):  # type: ignore[no-untyped-def]
        heard.append(task)

    task_completed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert rep_tasks.complete_task(task, rep) is True
            assert heard == []  # not before the commit
        with django_capture_on_commit_callbacks(execute=True):
            assert rep_tasks.complete_task(task, rep) is False
    finally:
        task_completed.disconnect(receiver)
    assert [each.pk for each in heard] == [task.pk]
    task.refresh_from_db()
    assert (task.status, task.done_by) == (Task.Status.DONE, rep)
    assert task.done_at is not None
    assert lead.activities.filter(type=ActivityLog.Type.TASK, payload__event="done").count() == 1


def test_a_rescheduled_task_is_due_later_and_a_done_one_cannot_be_moved(rep):
    task = rep_tasks.create_task(LeadFactory(), kind=Task.Kind.CALL, title="Call", assignee=rep,
                                 due_at=timezone.now() - timedelta(hours=2))
    assert task.is_overdue
    later = timezone.now() + timedelta(days=3)
    assert rep_tasks.reschedule_task(task, later, rep) is True
    assert task.due_at == later and not task.is_overdue
    rep_tasks.complete_task(task, rep)
    assert rep_tasks.reschedule_task(task, None, rep) is False
    assert rep_tasks.cancel_task(task, rep) is False
