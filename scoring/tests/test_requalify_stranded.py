"""The sweep that rescues leads whose qualification was lost (a lost task or an unflushed commit)."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from conftest import LeadFactory
from leads.models import Lead
from scoring.models import Trace
from scoring.pipeline import runner
from scoring.tasks import requalify_stranded


def test_a_lead_still_new_after_ten_minutes_is_qualified_again(db, django_capture_on_commit_callbacks):
    lead = LeadFactory(lead_message="We need a demo and pricing this quarter", pain_point="Slow lead follow-up")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        with django_capture_on_commit_callbacks(execute=True):
            queued = requalify_stranded()
    lead.refresh_from_db()
    assert queued == 1
    assert lead.status != Lead.Status.NEW and lead.score_label
    assert Trace.objects.filter(lead=lead).count() == 1


def test_fresh_leads_and_leads_whose_run_failed_are_left_alone(db, django_capture_on_commit_callbacks):
    fresh = LeadFactory()
    failed = LeadFactory()
    Trace.objects.create(lead=failed, status=Trace.Status.FAILED, error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        assert requalify_stranded() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        with django_capture_on_commit_callbacks(execute=True):
            assert requalify_stranded() == 1  # only `fresh`, now old enough
    fresh.refresh_from_db()
    failed.refresh_from_db()
    assert fresh.qualified_at is not None
    assert failed.qualified_at is None and failed.status == Lead.Status.NEW


def test_the_sweep_runs_from_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scoring-requalify-stranded"]
    assert entry["task"] == "scoring.tasks.requalify_stranded"


def test_a_changed_lead_whose_requalification_was_lost_is_qualified_again(db, django_capture_on_commit_callbacks):
    from leads.intake import Intake, OnDuplicate

    lead = LeadFactory(email="dana@northwind-logistics.com", job_title="Analyst")
    with django_capture_on_commit_callbacks(execute=True):
        requalify_stranded.apply()  # nothing yet: the lead is new
    runner.qualify([lead.pk])
    lead.refresh_from_db()
    first_score = lead.score_value
    assert lead.qualified_at is not None

    # An import changes the title; the task it queues is lost (a broker restart).
    with django_capture_on_commit_callbacks(execute=False):
        Intake(source="csv", on_duplicate=OnDuplicate.OVERWRITE).process(
            [{"email": "dana@northwind-logistics.com", "job_title": "Chief Executive Officer"}]
        )
    lead.refresh_from_db()
    assert lead.qualified_at is None and lead.score_value == first_score

    with django_capture_on_commit_callbacks(execute=True):
        assert requalify_stranded() == 0  # too soon: its own task may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        with django_capture_on_commit_callbacks(execute=True):
            assert requalify_stranded() == 1
    lead.refresh_from_db()
    assert lead.qualified_at is not None and lead.score_value > first_score


def test_a_qualified_lead_a_person_worked_on_is_not_queued_again(db, django_capture_on_commit_callbacks):
    lead = LeadFactory()
    runner.qualify([lead.pk])
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CONTACTED, updated_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        with django_capture_on_commit_callbacks(execute=True):
            assert requalify_stranded() == 0
