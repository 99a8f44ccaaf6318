"""Sequences in real Chromium: a task step pauses a sequence until the rep marks the task done, and a nurture
lead is taken out of nurture by a re-score after an edit on its page."""

import pytest
from django.utils import timezone

from conftest import LeadFactory
from leadops import runtime
from leads.models import Lead, Task
from outreach import drafting, sending, tasks
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceStep
from scoring.pipeline import runner
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _open_window() -> None:
    runtime.update({"SEND_WINDOW_DAYS": "mon,tue,wed,thu,fri,sat,sun", "SEND_WINDOW_HOURS": "00:00-24:00"})


def test_a_task_step_pauses_the_sequence_until_the_rep_marks_it_done(page, rep, screenshots):
    sequence = Sequence.objects.create(name="Call after the first email")
    SequenceStep.objects.create(sequence=sequence, position=1, variant="first_touch", template_keys=["first_touch"])
    SequenceStep.objects.create(sequence=sequence, position=2, kind=SequenceStep.Kind.TASK, task_kind=Task.Kind.CALL,
                                task_title="Call Vera about the first email")
    SequenceStep.objects.create(sequence=sequence, position=3, variant="follow_up_1", template_keys=["follow_up_1"])
    Sequence.objects.filter(is_default=True).update(is_default=False)
    Sequence.objects.filter(pk=sequence.pk).update(is_default=True)
    vera = LeadFactory(first_name="Vera", last_name="Vance", owner=rep, status=Lead.Status.QUALIFIED)
    first = drafting.new_draft(vera, "first_touch", drafting.render_variant(vera, "first_touch"))
    first.state, first.approved_at = EmailDraft.State.APPROVED, timezone.now()
    first.save()
    assert sending.send(first.pk) == "sent", EmailDraft.objects.get(pk=first.pk).failure_reason
    tasks.draft_due_follow_ups()  # the beat: the task step is due at once
    enrollment = Enrollment.objects.get(lead=vera)
    assert enrollment.status == Enrollment.Status.PAUSED

    log_in(page, rep.username, then=vera.get_absolute_url())
    page.wait_for_selector("#work >> text=Call Vera about the first email")
    assert "Follow-ups paused: waiting for the task “Call Vera about the first email”" in page.inner_text("#timeline")
    screenshot(page, screenshots, "sequence-task-step-paused")
    page.click("#work li:has-text('Call Vera about the first email') >> button:text-is('Done')")
    page.wait_for_selector("#work >> text=No open tasks.")
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE

    tasks.draft_due_follow_ups()  # the next step was due at once after the task
    page.reload()
    timeline = page.inner_text("#timeline")
    assert "Follow-ups resumed: the task “Call Vera about the first email” is done" in timeline
    assert vera.drafts.get(state=EmailDraft.State.DRAFT).sequence_step.position == 3
    screenshot(page, screenshots, "sequence-task-step-resumed")


def test_a_nurture_lead_is_promoted_by_a_re_score_after_an_edit(page, rep, screenshots):
    # Transactional tests start from empty tables: the seeded sequences are made again here.
    nurture = Sequence.objects.create(name="Nurture", purpose=Sequence.Purpose.NURTURE)
    SequenceStep.objects.create(sequence=nurture, position=1, variant="nurture", wait_business_days=20,
                                template_keys=["nurture_1"])
    cold = LeadFactory(first_name="Colin", last_name="Cole", job_title="Analyst", company_size=Lead.SizeBand.SMALL,
                       urgency="low", budget_range="", lead_message="Just browsing, downloaded the whitepaper.",
                       pain_point="", industry="Logistics", phone="+1 415 555 0199", owner=rep)
    runner.qualify([cold.pk])
    cold.refresh_from_db()
    assert (cold.score_label, cold.recommended_action) == ("COLD", Lead.Action.HOLD)
    assert Enrollment.objects.get(lead=cold).sequence.purpose == Sequence.Purpose.NURTURE

    log_in(page, rep.username, then=cold.get_absolute_url())
    assert "Nurture started (Nurture sequence)" in page.inner_text("#timeline")
    page.click("text=Edit details")
    page.fill("#edit-job_title", "VP of Sales")
    page.select_option("#edit-urgency", "high")
    page.select_option("#edit-company_size", Lead.SizeBand.MID)
    page.fill("#edit-budget_range", "$20k-$30k")
    page.fill("#edit-pain_point", "Inbound leads wait days for a first reply")
    page.click("text=Save details")
    # Saved over HTMX; the re-score runs on the change (inline in the tests) and the timeline follows.
    page.wait_for_function("() => !document.querySelector('#profile details[open]')")
    page.reload()
    cold.refresh_from_db()
    assert cold.score_label in ("WARM", "HOT")
    timeline = page.inner_text("#timeline")
    assert f"Taken out of nurture: re-scored {cold.score_label}" in timeline and "back on the normal route" in timeline
    assert Enrollment.objects.get(lead=cold, sequence=nurture).status == Enrollment.Status.STOPPED
    # Never emailed, so the normal route is its first email, waiting for review.
    assert cold.drafts.get(state=EmailDraft.State.DRAFT).variant == EmailDraft.Variant.FIRST_TOUCH
    screenshot(page, screenshots, "nurture-lead-promoted")
