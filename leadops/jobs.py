"""Progress of long background jobs (`leadops.models.Job`): started where the work is asked for, advanced by the
tasks doing it, read by the Jobs page.

Counters move with conditional UPDATEs (F expressions), so the worker processes sharing one job never overwrite
each other's progress, and a task delivered twice at worst counts its batch twice (capped at the total).
"""

from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from leadops.models import Job
from leadops.roles import is_manager


def start(kind: str, title: str, *, total: int = 0, unit: str = "leads", user: Any = None, subject: str = "",
          link: str = "") -> Job:
    user = user if user is not None and getattr(user, "is_authenticated", False) else None
    return Job.objects.create(kind=kind, title=title[:200], total=total, unit=unit, created_by=user,
                              subject=subject, link=link)


def add_work(subject: str, kind: str, count: int, *, title: str, user: Any = None, link: str = "") -> Job:
    """More units for the job of this subject (an import's next batch of leads to qualify), started if need be.

    An import saves its batches in two threads, whose commits can ask at the same moment: the subject's lock
    makes the second find the job the first started, so the import's page follows one job with every lead.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"leadops.jobs:{kind}:{subject}"])
        job = Job.objects.filter(subject=subject, kind=kind).first()
        if job is None:
            return start(kind, title, total=count, user=user, subject=subject, link=link)
        Job.objects.filter(pk=job.pk).update(total=F("total") + count, status=Job.Status.RUNNING, finished_at=None)
    return job


def advance(job_id: Any, count: int) -> None:
    """`count` more units done; the job ends when every unit is."""
    if not job_id:
        return
    Job.objects.filter(pk=job_id).update(done=Least(F("done") + count, F("total")), updated_at=timezone.now())
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING, done__gte=F("total")).update(
        status=Job.Status.DONE, finished_at=timezone.now())


def set_progress(job_id: Any, done: int, total: int) -> None:
    if job_id:
        Job.objects.filter(pk=job_id).update(done=done, total=total, updated_at=timezone.now())


def set_total(job_id: Any, total: int) -> None:
    """The job has this many units in all; it ends now if they are all done already (or there are none)."""
    if job_id:
        Job.objects.filter(pk=job_id).update(total=total, updated_at=timezone.now())
        advance(job_id, 0)


def finish(job_id: Any, message: str = "", *, failed: bool = False, link: str | None = None) -> None:
    if not job_id:
        return
    fields: dict[str, Any] = {"status": Job.Status.FAILED if failed else Job.Status.DONE, "message": message,
                              "finished_at": timezone.now()}
    if not failed:
        fields["done"] = F("total")
    if link is not None:
        fields["link"] = link
    Job.objects.filter(pk=job_id).update(**fields)


def visible(user: Any) -> Any:
    """Managers see every job; a rep sees the ones they started."""
    queryset = Job.objects.select_related("created_by")
    return queryset if is_manager(user) else queryset.filter(created_by=user)
