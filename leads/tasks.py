"""Celery tasks for leads: thin glue around the job modules."""

from celery import shared_task

from leads import assignment, erasure
from leads.importing import jobs


@shared_task(acks_late=True, ignore_result=True)
def run_import(job_id: str) -> None:
    """Run one ImportJob. Safe to deliver twice: `run_job` claims the pending job atomically."""
    jobs.run_job(job_id)


@shared_task(acks_late=True, ignore_result=True)
def erase_stale_leads() -> int:
    """Celery beat, nightly: the retention job (LEAD_RETENTION_MONTHS). Safe twice: erased leads are skipped."""
    return erasure.erase_stale_leads()


@shared_task(acks_late=True, ignore_result=True)
def assign_filtered(query: str, owner_id: int | None, by_id: int, job_id: str) -> int:
    """A filter's whole result gets an owner (leads.assignment.assign_filtered); safe twice."""
    return assignment.assign_filtered(query, owner_id, by_id, job_id)
