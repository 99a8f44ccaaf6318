"""ImportJob: one CSV import, its options, live progress and final accounting."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from leadops import progress
from leads.models.lead import Lead, TimeStamped


def _import_upload_path(instance: "ImportJob", filename: str) -> str:
    return f"imports/{instance.id}/{filename[-100:]}"


class ImportJob(TimeStamped):
    """One CSV import: the uploaded file, its options, live progress and the final accounting.

    Status machine: pending -> running -> done | failed. Accounting holds when done:
    rows = created + updated + unchanged + duplicates_in_file + invalid.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class OnDuplicate(models.TextChoices):
        SKIP = "skip", "Skip existing leads"
        FILL = "fill", "Fill empty fields of existing leads"
        OVERWRITE = "overwrite", "Overwrite existing leads"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to=_import_upload_path, max_length=300)
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=20, choices=Lead.Source.choices, default=Lead.Source.IMPORT)
    on_duplicate = models.CharField(max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.SKIP)
    dry_run = models.BooleanField(default=False)
    # {"CSV header": "lead field" | "" (ignore) | "attributes"} chosen by the user.
    column_mapping = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    delimiter = models.CharField(max_length=5, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    duplicates_in_file = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    # The first invalid rows, for the page; every one is in error_file.
    errors = models.JSONField(default=list, blank=True)
    error_file = models.FileField(upload_to=_import_upload_path, max_length=300, blank=True)
    message = models.TextField(blank=True, help_text="Why the import failed, in words for the user")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        return progress.percent(self.bytes_read, self.file_size, succeeded=self.status == self.Status.DONE)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def elapsed_seconds(self) -> float:
        if not self.started_at:
            return 0.0
        return max(0.0, ((self.finished_at or timezone.now()) - self.started_at).total_seconds())

    @property
    def rate(self) -> float | None:
        """Rows read a second so far."""
        return progress.rate(self.rows, self.elapsed_seconds)

    @property
    def seconds_left(self) -> float | None:
        """From the share of the file read so far (rows vary in length, bytes are what is known in advance)."""
        if self.is_finished:
            return None
        return progress.seconds_left(self.bytes_read, self.file_size, self.elapsed_seconds)

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates_in_file": self.duplicates_in_file,
            "invalid": self.invalid,
        }
