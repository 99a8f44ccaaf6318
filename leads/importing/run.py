"""Stream a CSV file through intake in batches and keep the accounting.

Memory stays flat in file size: rows are read one at a time from a decoding stream, handed to
`leads.intake.Intake` IMPORT_BATCH_SIZE at a time (one transaction each), and invalid rows go straight to
the error CSV; only the first few errors are kept in memory for the page.

Accounting, always: rows = created + updated + unchanged + duplicates_in_file + invalid.
"""

import csv
import io
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection

from leads import postgres
from leads.export import neutralise_formula
from leads.importing import columns, fast_path, records
from leads.importing.records import BrokenRow
from leads.importing.sniff import FileShape, RefusedFile, count_rows_over, inspect
from leads.intake import FieldError, Intake, LeadInput, OnDuplicate, Outcome, RowResult
from leads.lead_input import source_value
from leads.models import Feedback, Lead

ERRORS_KEPT = 100
DEFAULT_WON_VALUES = frozenset({"1", "yes", "y", "true", "won", "closed won", "closed_won", "converted"})
ERROR_CSV_HEADER = ["row", "column", "value", "message"]


@dataclass
class ImportOptions:
    """How to import one file; the command's flags and the upload form both fill this in."""

    source: str = Lead.Source.IMPORT
    on_duplicate: str = OnDuplicate.SKIP
    overrides: dict[str, str] = field(default_factory=dict)
    id_column: str | None = None
    outcome_column: str | None = None
    won_values: frozenset[str] = DEFAULT_WON_VALUES
    dry_run: bool = False
    qualify: bool = True
    actor: Any = None
    activity_payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    """The outcome of one import; `summary()` is what the command prints and the page shows."""

    encoding: str = ""
    delimiter: str = ""
    file_size: int = 0
    bytes_read: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_in_file: int = 0
    invalid: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in
                ("rows", "created", "updated", "unchanged", "duplicates_in_file", "invalid")}


Progress = Callable[[ImportReport], None]
# (row number, its cells or why they could not be read), in file order.
Batch = list[tuple[int, list[str] | BrokenRow]]


class _RowBuilder:
    """Turns a CSV row into intake's dict, with the mapping's positions worked out once for the file."""

    def __init__(self, header: list[str], targets: list[str], won_values: frozenset[str]) -> None:
        self.header = header
        self.fields = [(position, target) for position, target in enumerate(targets)
                       if target in columns.FIELD_LABELS and target != columns.OUTCOME]
        self.attributes = [(position, header[position]) for position, target in enumerate(targets)
                           if target == columns.ATTRIBUTES]
        self.outcome = next((position for position, target in enumerate(targets) if target == columns.OUTCOME), None)
        self.source = next((position for position, target in self.fields if target == "source"), None)
        self.won_values = frozenset(value.strip().lower() for value in won_values)
        self.column_of = {target: header[position] for position, target in self.fields}
        if self.outcome is not None:
            self.column_of["outcome"] = header[self.outcome]

    def build(self, row: list[str]) -> dict[str, Any]:
        width = len(row)
        # Empty cells are left out: LeadInput's defaults need no validating, which matters at a million rows.
        data: dict[str, Any] = {target: row[position] for position, target in self.fields
                                if position < width and row[position]}
        attributes = {name: row[position] for position, name in self.attributes
                      if position < width and row[position] != ""}
        if self.source is not None and self.source < width:
            raw = row[self.source].strip()
            # An unknown channel is stored as OTHER; keep what the file said.
            if raw and source_value(raw) == Lead.Source.OTHER and raw.lower() != Lead.Source.OTHER:
                attributes[self.header[self.source]] = raw
        if attributes:
            data["attributes"] = attributes
        if self.outcome is not None and self.outcome < width:
            value = row[self.outcome].strip().lower()
            if value:
                won = value in self.won_values
                data["outcome"] = Feedback.Outcome.CLOSED_WON if won else Feedback.Outcome.CLOSED_LOST
        return data

    def item(self, row: list[str]) -> LeadInput | dict[str, Any]:
        """The row validated on the fast path, or its data for intake's full validation (and error messages)."""
        data = self.build(row)
        return fast_path.lead_input(data) or data

    def items(self, batch: Batch) -> list[LeadInput | dict[str, Any]]:
        """What intake validates and saves for a batch: its rows that could be read as cells."""
        return [self.item(row) for _, row in batch if not isinstance(row, BrokenRow)]

    def error(self, row_number: int, error: FieldError) -> dict[str, Any]:
        column = self.column_of.get(error.field, "" if error.field == "lead" else error.field)
        reason = error.message
        if reason.startswith("is "):
            reason = f"{column or error.field} {error.value!r} {reason}"
        return {"row": row_number, "column": column, "value": error.value, "message": reason}


def prepare(
    path: Path | str, options: ImportOptions, name: str = "", *, mapped_later: bool = False,
) -> tuple[FileShape, list[str]]:
    """Inspect the file and decide the mapping; RefusedFile if it cannot be imported at all.

    `mapped_later`: a person will confirm the mapping (the upload page), so columns none of which is
    recognised are theirs to map rather than a reason to refuse the file.
    """
    name = name or Path(path).name
    limit_mb = settings.IMPORT_MAX_UPLOAD_MB
    if Path(path).stat().st_size > limit_mb * 1024 * 1024:
        raise RefusedFile(f"{name} is {Path(path).stat().st_size / 1024 / 1024:,.0f} MB; files up to {limit_mb:,} MB "
                          "can be imported (IMPORT_MAX_UPLOAD_MB). Split the file and import the parts.")
    shape = inspect(path, name)
    targets = columns.suggest(shape.header, options.overrides, options.id_column, options.outcome_column)
    columns.require_usable(shape.header, targets, name, mapped_later=mapped_later)
    too_many = count_rows_over(path, shape, settings.IMPORT_MAX_ROWS)
    if too_many is not None:
        raise RefusedFile(f"{name} has {too_many:,} rows; at most {settings.IMPORT_MAX_ROWS:,} can be imported "
                          "at once (IMPORT_MAX_ROWS). Split the file and import the parts.")
    return shape, targets


def import_file(
    path: Path | str, options: ImportOptions, *, error_file: IO[str] | None = None,
    progress: Progress | None = None, name: str = "",
) -> ImportReport:
    """Import every row of a CSV file; RefusedFile (before anything is written) if it cannot be read."""
    shape, targets = prepare(path, options, name)
    builder = _RowBuilder(shape.header, targets, options.won_values)
    report = ImportReport(encoding=shape.encoding, delimiter=shape.delimiter, file_size=Path(path).stat().st_size)
    error_writer = csv.writer(error_file) if error_file else None
    if error_writer:
        error_writer.writerow(ERROR_CSV_HEADER + shape.header)
    intake = Intake(
        source=options.source, actor=options.actor, actor_label="import", on_duplicate=options.on_duplicate,
        dry_run=options.dry_run, qualify=options.qualify, activity_payload=options.activity_payload,
        text_is_clean=True,  # cells are strings without NULs (stripped below)
        relaxed_commit=True,  # a file can be imported again; a form submission cannot
    )

    def saved(batch: Batch, results: list[RowResult], bytes_read: int) -> None:
        _count(batch, results, builder, report, error_writer)
        report.bytes_read = bytes_read
        if progress:
            progress(report)

    batch_size = settings.IMPORT_BATCH_SIZE
    with open(path, "rb") as raw, _Saver(intake) as saver:
        text = io.TextIOWrapper(raw, encoding=shape.encoding, errors="replace", newline="")
        reader = records.rows(text, shape.delimiter, len(shape.header))
        _skip_header(reader)
        batch: Batch = []
        row_number = 1  # the header is row 1, as a spreadsheet numbers it
        for row in reader:
            row_number += 1
            if not isinstance(row, BrokenRow):
                joined = "".join(row)
                if not joined.strip():
                    continue  # a blank line is not a row
                if "\x00" in joined:  # PostgreSQL refuses NUL characters; some exports have them
                    row = [cell.replace("\x00", "") for cell in row]
            batch.append((row_number, row))
            if len(batch) >= batch_size:
                saver.save(batch, builder.items(batch), raw.tell(), saved)
                batch = []
        if batch:
            saver.save(batch, builder.items(batch), report.file_size, saved)
    if not report.rows:
        report.bytes_read = report.file_size  # a header-only file is read to the end too
        if progress:
            progress(report)
    return report


class _Saver:
    """Saves batches through intake; on PostgreSQL in background threads, each with its own connection.

    While the database inserts earlier batches (a thread waiting on its socket releases the GIL), the
    main thread parses and validates the next one, so Python time and database time overlap; two
    saving threads let PostgreSQL work on both cores. Batches never share a lead (their keys were
    deduplicated while preparing them) and companies are inserted in sorted order, so concurrent
    batches cannot deadlock. Results are counted in file order. Inside an outer transaction (tests, a
    caller's atomic block) other connections could not see its data, so batches are saved in line.
    """

    THREADS = 2

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        # SQLite takes one writer at a time: saving there stays in line.
        threaded = postgres.in_use() and not connection.in_atomic_block
        self.executor = (ThreadPoolExecutor(max_workers=self.THREADS, thread_name_prefix="import-save")
                         if threaded else None)
        self.in_flight: deque[tuple[Future, Callable[[list[RowResult]], None]]] = deque()

    def save(self, batch: Batch, items: list[LeadInput | dict[str, Any]], bytes_read: int,
             saved: Callable[[Batch, list[RowResult], int], None]) -> None:
        prepared = self.intake.prepare(items)
        done = partial(saved, batch, bytes_read=bytes_read)
        if self.executor is None:
            done(self.intake.save(prepared))
            return
        while len(self.in_flight) >= self.THREADS:
            self._collect_oldest()
        self.in_flight.append((self.executor.submit(self.intake.save, prepared), done))

    def _collect_oldest(self) -> None:
        future, done = self.in_flight.popleft()
        done(future.result())

    def __enter__(self) -> "_Saver":
        return self

    def __exit__(self, error_type: Any, *_: Any) -> None:
        try:
            if error_type is None:
                while self.in_flight:
                    self._collect_oldest()
        finally:
            if self.executor:
                wait(future for future, _ in self.in_flight)
                # Each thread has its own database connection, and only that thread may close it.
                barrier = threading.Barrier(self.THREADS)
                closing = [self.executor.submit(_close_connection, barrier) for _ in range(self.THREADS)]
                wait(closing)
                self.executor.shutdown()


def _close_connection(barrier: threading.Barrier) -> None:
    # The barrier holds each thread until all have one closing task, so every thread closes its own.
    barrier.wait(timeout=30)
    connection.close()


def _skip_header(reader: Any) -> None:
    for row in reader:
        if isinstance(row, BrokenRow) or any(cell.strip() for cell in row):
            return


def _with_broken_rows(batch: Batch, results: list[RowResult]) -> Iterator[tuple[int, list[str], RowResult]]:
    """Each row of the batch with its result: intake's for the rows it was given, rejected for broken ones."""
    given = iter(results)
    for row_number, row in batch:
        if isinstance(row, BrokenRow):
            error = FieldError(field="lead", value=row.shown, message=row.reason)
            yield row_number, [row.line], RowResult(Outcome.INVALID, errors=[error])
        else:
            yield row_number, row, next(given)


def _count(batch: Batch, results: list[RowResult], builder: _RowBuilder, report: ImportReport,
           error_writer: Any) -> None:
    report.rows += len(batch)
    rows = list(_with_broken_rows(batch, results))
    for outcome, count in Counter(result.outcome for _, _, result in rows).items():
        setattr(report, outcome.value, getattr(report, outcome.value) + count)
    for row_number, row, result in rows:
        if result.outcome != Outcome.INVALID:
            continue
        for error in result.errors:
            entry = builder.error(row_number, error)
            if len(report.errors) < ERRORS_KEPT:
                report.errors.append(entry)
            if error_writer:
                error_writer.writerow([neutralise_formula(str(cell)) for cell in
                                       [entry["row"], entry["column"], entry["value"], entry["message"], *row]])
