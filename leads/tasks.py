"""Celery tasks for leads: thin glue around the job modules."""

from celery import shared_task

from leads.importing import jobs


@shared_task(acks_late=True, ignore_result=True)
def run_import(job_id: str) -> None:
    """Run one ImportJob. Safe to deliver twice: `run_job` claims the pending job atomically."""
    jobs.run_job(job_id)
