"""Task steps: the rep gets the task, the sequence pauses until it is done, then the next step comes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from leads import rep_tasks
from leads.models import ActivityLog, Task
from outreach import sending, sequences
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceStep

State = EmailDraft.State
SENT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def with_call(db) -> Sequence:  # type: ignore[no-untyped-def]
    sequence = Sequence.objects.create(name="With a call")
    SequenceStep.objects.create(sequence=sequence, position=1, variant="first_touch", template_keys=["first_touch"])
    SequenceStep.objects.create(sequence=sequence, position=2, kind=SequenceStep.Kind.TASK, wait_business_days=1,
                                task_kind=Task.Kind.CALL, task_title="Call to follow up on the first email")
    SequenceStep.objects.create(sequence=sequence, position=3, variant="follow_up_1", wait_business_days=2,
                                template_keys=["follow_up_1"])
    return sequence


@pytest.fixture
def enrolled(with_call, draft_factory, rep) -> Enrollment:  # type: ignore[no-untyped-def]
    Sequence.objects.filter(is_default=True).update(is_default=False)
    Sequence.objects.filter(pk=with_call.pk).update(is_default=True)
    with time_machine.travel(SENT_AT, tick=False):
        # In Tokyo: no daylight-saving change moves the local time the next step keeps.
        draft = draft_factory(lead__owner=rep, lead__country="JP", state=State.APPROVED, approved_at=timezone.now())
        assert sending.send(draft.pk) == "sent"
    return Enrollment.objects.get(lead=draft.lead)


def _beat(at: datetime) -> list[EmailDraft]:
    with time_machine.travel(at, tick=False):
        return sequences.draft_due_steps()


def test_a_task_step_gives_the_rep_the_task_and_pauses_the_sequence(enrolled, rep):
    assert _beat(SENT_AT + timedelta(days=1, hours=1)) == []
    task = Task.objects.get(lead=enrolled.lead)
    assert (task.kind, task.title, task.assignee, task.source, task.status) == (
        Task.Kind.CALL, "Call to follow up on the first email", rep, Task.Source.SEQUENCE, Task.Status.OPEN)
    enrolled.refresh_from_db()
    assert (enrolled.status, enrolled.last_step_position) == (Enrollment.Status.PAUSED, 2)
    assert "Call to follow up" in enrolled.paused_reason
    assert enrolled.lead.activities.filter(type=ActivityLog.Type.SEQUENCE, payload__event="paused").exists()
    # Paused: a week later still nothing is drafted, and the task is not made twice.
    assert _beat(SENT_AT + timedelta(days=8)) == []
    assert Task.objects.filter(lead=enrolled.lead).count() == 1


def _assert_resumed_and_going_on(enrolled, at: datetime, reason: str) -> ActivityLog:  # type: ignore[no-untyped-def]
    """The enrollment resumed at `at` saying `reason`, and the step after the task follows its two days' wait."""
    enrolled.refresh_from_db()
    assert (enrolled.status, enrolled.next_due_at) == (Enrollment.Status.ACTIVE, at + timedelta(days=2))
    resumed = enrolled.lead.activities.get(type=ActivityLog.Type.SEQUENCE, payload__event="resumed")
    assert reason in resumed.payload["reason"]
    assert _beat(at + timedelta(days=1)) == []
    [draft] = _beat(at + timedelta(days=2, minutes=1))
    assert (draft.variant, draft.sequence_step.position) == ("follow_up_1", 3)
    return resumed


SKIPPED = "was cancelled, so step 2 is skipped"


@pytest.mark.parametrize("close", [rep_tasks.complete_task, rep_tasks.cancel_task], ids=["done", "cancelled"])
def test_a_task_that_is_no_sequences_resumes_nothing(enrolled, rep, close, django_capture_on_commit_callbacks):
    _beat(SENT_AT + timedelta(days=1, hours=1))
    other = rep_tasks.create_task(enrolled.lead, kind=Task.Kind.CUSTOM, title="Send the brochure")
    with django_capture_on_commit_callbacks(execute=True):
        close(other, rep)
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.PAUSED


def test_a_reply_while_paused_stops_the_sequence(enrolled):
    from outreach import replies

    _beat(SENT_AT + timedelta(days=1, hours=1))
    replies.log_reply(enrolled.lead, None, "Thanks, we went with someone else.")
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.STOPPED


def test_a_task_as_the_last_step_finishes_the_sequence_without_pausing(with_call, lead_factory):
    SequenceStep.objects.filter(sequence=with_call, position=3).delete()
    lead = lead_factory()
    enrollment = sequences.enroll(lead, SENT_AT, sequence=with_call)
    _beat(SENT_AT + timedelta(minutes=1))  # step 1, the first touch
    EmailDraft.objects.filter(lead=lead).update(state=State.SENT, sent_at=SENT_AT)
    _beat(SENT_AT + timedelta(days=2))
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.FINISHED and Task.objects.filter(lead=lead).count() == 1


@pytest.mark.parametrize(("close", "reason"), [(rep_tasks.complete_task, "is done"), (rep_tasks.cancel_task, SKIPPED)],
                         ids=["done", "cancelled"])
def test_marking_the_task_done_or_cancelling_it_resumes_the_sequence_and_the_next_step_follows_its_wait(
        enrolled, rep, close, reason, django_capture_on_commit_callbacks):
    _beat(SENT_AT + timedelta(days=1, hours=1))
    task = Task.objects.get(lead=enrolled.lead)
    closed_at = SENT_AT + timedelta(days=4)
    with time_machine.travel(closed_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert close(task, rep)
    assert _assert_resumed_and_going_on(enrolled, closed_at, reason).actor == rep


def test_deleting_the_open_task_skips_its_step_too(enrolled, django_capture_on_commit_callbacks):
    _beat(SENT_AT + timedelta(days=1, hours=1))
    cancelled_at = SENT_AT + timedelta(days=4)
    with time_machine.travel(cancelled_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        Task.objects.get(lead=enrolled.lead).delete()
    _assert_resumed_and_going_on(enrolled, cancelled_at, SKIPPED)


def test_a_rep_cancels_the_task_on_the_lead_page_and_the_timeline_says_the_step_was_skipped(
        enrolled, rep_client, htmx_headers, django_capture_on_commit_callbacks):
    _beat(SENT_AT + timedelta(days=1, hours=1))
    task = Task.objects.get(lead=enrolled.lead)
    with django_capture_on_commit_callbacks(execute=True):
        answer = rep_client.post(f"/tasks/{task.pk}/cancel/", {"from": "lead"}, **htmx_headers).content.decode()
    assert f"Cancelled: {task.title}." in answer and "No open tasks." in answer
    page = rep_client.get(enrolled.lead.get_absolute_url()).content.decode()
    assert f"Follow-ups resumed: the task “{task.title}” was cancelled, so step 2 is skipped." in page
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.ACTIVE


def test_an_admin_marking_the_task_cancelled_skips_its_step_like_the_lead_page(
        enrolled, admin_client, django_capture_on_commit_callbacks):
    _beat(SENT_AT + timedelta(days=1, hours=1))
    task = Task.objects.get(lead=enrolled.lead)
    form = {"lead": task.lead_id, "kind": task.kind, "title": task.title, "notes": task.notes,
            "due_at_0": "", "due_at_1": "", "assignee": task.assignee_id or "", "status": Task.Status.CANCELLED,
            "done_at_0": "", "done_at_1": "", "done_by": "", "created_by": "", "source": task.source,
            "origin_key": task.origin_key}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/leads/task/{task.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert task.status == Task.Status.CANCELLED
    assert task.lead.activities.filter(type=ActivityLog.Type.TASK, payload__event="cancelled").exists()
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.ACTIVE
