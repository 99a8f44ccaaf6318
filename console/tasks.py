"""Celery glue for the staff pages' own beat job: keeping the report snapshots fresh."""

from celery import shared_task

from console.reports import snapshots


@shared_task(ignore_result=True)
def refresh_reports() -> int:
    """Beat: recompute every report for every preset period (console.reports.snapshots)."""
    return snapshots.refresh_all()
