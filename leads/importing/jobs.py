"""ImportJob: an import as a background job with live progress, shared by the upload page and the command.

Status machine: pending -> running -> done | failed. `run_job` claims a pending job with a conditional
UPDATE, so a task delivered twice runs the import once. Progress (bytes read, counts) is written to the
row at most twice a second; a failure leaves a message for the user on the row, never a half-told story:
the counts show how far the import got, and the batches before the failure stay imported.
"""

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone

from leadops.roles import is_manager
from leads.importing import columns
from leads.importing.run import (
    DEFAULT_WON_VALUES,
    ImportOptions,
    ImportReport,
    Progress,
    import_file,
    prepare,
)
from leads.importing.sniff import FileShape, RefusedFile
from leads.models import ImportJob
from leads.signals import announce_leads_changed

logger = logging.getLogger(__name__)
PROGRESS_INTERVAL_SECONDS = 0.5


def create_job(upload: UploadedFile, *, source: str, on_duplicate: str, user: Any) -> tuple[ImportJob, FileShape]:
    """Store an upload as a pending job; RefusedFile (and nothing stored) when it is not a usable CSV."""
    job = ImportJob(original_name=upload.name or "upload.csv", source=source, on_duplicate=on_duplicate,
                    created_by=user, file_size=upload.size or 0)
    job.file.save(Path(job.original_name).name, upload, save=False)
    try:
        shape, targets = prepare(job.file.path, ImportOptions(source=source), job.original_name,
                                 mapped_later=True)
    except RefusedFile:
        job.file.delete(save=False)
        raise
    job.encoding, job.delimiter = shape.encoding, shape.delimiter
    job.column_mapping = dict(zip(shape.header, targets))
    job.save()
    return job, shape


def create_command_job(path: Path, options: ImportOptions) -> ImportJob:
    """A job for `import_leads`: the file stays where it is, so the row records its path (in options)."""
    return ImportJob.objects.create(
        original_name=path.name[-255:], source=options.source, on_duplicate=options.on_duplicate,
        created_by=options.actor, file_size=path.stat().st_size, column_mapping=options.overrides,
        options=_stored_options(options) | {"path": str(path.resolve())},
    )


def _stored_options(options: ImportOptions) -> dict[str, Any]:
    return {"id_column": options.id_column, "outcome_column": options.outcome_column,
            "won_values": sorted(options.won_values), "qualify": options.qualify}


def set_mapping(job: ImportJob, mapping: dict[str, str], won_values: frozenset[str] = DEFAULT_WON_VALUES) -> None:
    """The user's column choices from the preview step, checked against the file's header."""
    header = list(mapping)
    job.column_mapping = dict(zip(header, columns.suggest(header, mapping)))  # RefusedFile on an unknown target
    job.options = {**job.options, "won_values": sorted(won_values)}
    job.save(update_fields=["column_mapping", "options", "updated_at"])


def visible_jobs(user: Any) -> QuerySet[ImportJob]:
    """Managers see every import; a rep sees their own."""
    queryset = ImportJob.objects.select_related("created_by")
    return queryset if is_manager(user) else queryset.filter(created_by=user)


def options_for(job: ImportJob) -> ImportOptions:
    stored = job.options or {}
    return ImportOptions(
        source=job.source, on_duplicate=job.on_duplicate, overrides=dict(job.column_mapping),
        id_column=stored.get("id_column"), outcome_column=stored.get("outcome_column"),
        won_values=frozenset(stored.get("won_values") or DEFAULT_WON_VALUES), qualify=stored.get("qualify", True),
        actor=job.created_by, dry_run=job.dry_run, activity_payload={"import_job": str(job.id)},
    )


def run_job(job_id: Any, on_progress: Progress | None = None) -> ImportJob | None:
    """Run a pending job to done or failed; None when another worker already claimed it.

    `on_progress` also sees every batch (the command draws its terminal progress bar with it).
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    path = Path(job.options["path"]) if job.options.get("path") else Path(job.file.path)
    last_update = [0.0]

    def progress(report: ImportReport) -> None:
        if on_progress:
            on_progress(report)
        now = time.monotonic()
        if now - last_update[0] >= PROGRESS_INTERVAL_SECONDS:
            last_update[0] = now
            ImportJob.objects.filter(pk=job.pk).update(bytes_read=report.bytes_read, updated_at=timezone.now(),
                                                      **report.summary())

    with tempfile.NamedTemporaryFile("w+", encoding="utf-8", newline="", suffix=".csv") as errors:
        try:
            report = import_file(path, options_for(job), error_file=errors, progress=progress,
                                 name=Path(job.original_name).name)
        except RefusedFile as refusal:
            return _finish(job, ImportJob.Status.FAILED, message=str(refusal))
        except Exception as error:  # recorded for the user; the batches before it stay imported
            logger.exception("Import %s failed", job.pk)
            return _finish(job, ImportJob.Status.FAILED,
                           message=f"The import stopped with an unexpected error: {error}. Rows imported before "
                                   "it are kept; importing the file again continues without duplicates.")
        if report.invalid:
            errors.flush()
            errors.seek(0)
            job.error_file.save(f"{Path(job.original_name).stem[:80]}-errors.csv", File(errors), save=False)
    job.encoding, job.delimiter = report.encoding, report.delimiter
    for key, value in report.summary().items():
        setattr(job, key, value)
    job.bytes_read, job.file_size, job.errors = report.bytes_read, report.file_size, report.errors
    return _finish(job, ImportJob.Status.DONE)


def _finish(job: ImportJob, status: str, message: str = "") -> ImportJob:
    if status == ImportJob.Status.FAILED:
        # Keep the counts the progress updates reached; they say how far it got.
        fresh = ImportJob.objects.get(pk=job.pk)
        for key in ("bytes_read", *fresh.summary()):
            setattr(job, key, getattr(fresh, key))
    job.status, job.message, job.finished_at = status, message, timezone.now()
    job.save()
    # The person who imported sees the new leads in the dashboard's KPIs at once, not when the cache expires.
    announce_leads_changed()
    return job
