"""Celery tasks for leads: thin glue around the job modules."""

from celery import shared_task

from leads import erasure
from leads.importing import jobs


@shared_task(acks_late=True, ignore_result=True)
def run_import(job_id: str) -> None:
    """Run one ImportJob. Safe to deliver twice: `run_job` claims the pending job atomically."""
    jobs.run_job(job_id)


@shared_task(acks_late=True, ignore_result=True)
def erase_stale_leads() -> int:
    """Celery beat, nightly: the retention job (LEAD_RETENTION_MONTHS). Safe twice: erased leads are skipped."""
    return erasure.erase_stale_leads()
