"""`import_leads PATH`: import a CSV file through the same job code the upload page uses.

Exit codes: 0 when the file was processed (even with invalid rows, which are reported), 2 when the file
was refused (not a CSV, binary, empty, no usable header, over the size or row limit) or an option is wrong.
"""

import csv
import json
import tempfile
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadops import interpreter
from leads.export import FORMULA_PREFIXES
from leads.importing import columns, jobs
from leads.importing.run import DEFAULT_WON_VALUES, ImportOptions, ImportReport, import_file, prepare
from leads.importing.sniff import DELIMITER_NAMES, RefusedFile
from leads.models import ImportJob, Lead

ERRORS_PRINTED = 20
ACCOUNTING_KEYS = ("rows", "created", "updated", "unchanged", "duplicates_in_file", "invalid")


class Command(BaseCommand):
    help = "Import leads from a CSV file (any common encoding and delimiter); see --help for the options."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The CSV file")
        parser.add_argument("--source", default=Lead.Source.IMPORT, choices=Lead.Source.values,
                            help="Source for rows without a source column (default: import)")
        parser.add_argument("--map", action="append", default=[], metavar='"CSV Header=field"',
                            help="Map a column to a lead field, 'attributes' or 'ignore'; repeatable")
        parser.add_argument("--on-duplicate", default=ImportJob.OnDuplicate.SKIP, choices=ImportJob.OnDuplicate.values,
                            help="What to do with leads that already exist (default: skip)")
        parser.add_argument("--id-column", help="Column with the source system's id (dedupe key without email)")
        parser.add_argument("--outcome-column", help="Column with a historic outcome; records won/lost feedback")
        parser.add_argument("--won-values", default=",".join(sorted(DEFAULT_WON_VALUES)),
                            help="Comma-separated outcome values that mean won; anything else non-empty is lost")
        parser.add_argument("--dry-run", action="store_true", help="Validate and count; write nothing")
        parser.add_argument("--json", action="store_true", help="Print one JSON object with the accounting")
        parser.add_argument("--no-qualify", action="store_true",
                            help="Import faster by not qualifying now: the beat sweep qualifies leads still new "
                                 "after 10 minutes, or run qualify_leads --status NEW")

    def handle(self, *args: Any, **options: Any) -> None:
        # This process exists to run the import: it sets the interpreter up for bulk work, as a worker does.
        interpreter.tune_for_bulk_work()
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist or is not a file.", returncode=2)
        try:
            import_options = ImportOptions(
                source=options["source"], on_duplicate=options["on_duplicate"],
                overrides=columns.parse_overrides(options["map"]), id_column=options["id_column"],
                outcome_column=options["outcome_column"], dry_run=options["dry_run"],
                won_values=frozenset(value for value in options["won_values"].split(",") if value.strip()),
                qualify=not options["no_qualify"],
            )
            summary, errors, error_path = self._run(path, import_options, show_progress=not options["json"])
        except RefusedFile as refusal:
            raise CommandError(str(refusal), returncode=2) from None
        if options["json"]:
            # Exactly the accounting and the errors; how the file was read is for people (below).
            accounting = {key: summary[key] for key in ACCOUNTING_KEYS}
            self.stdout.write(json.dumps({**accounting, "errors": errors}, ensure_ascii=False))
            return
        self._print_summary(summary, errors, error_path, dry_run=options["dry_run"])

    def _run(
        self, path: Path, options: ImportOptions, show_progress: bool
    ) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
        progress = _ProgressBar(self.stdout) if show_progress and self.stdout.isatty() else None
        if options.dry_run:
            # A dry run writes nothing, not even a job row; its errors live in a temporary file.
            with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as error_file:
                report = import_file(path, options, error_file=error_file, progress=progress)
                error_file.seek(0)
                return _summary(report), _read_errors(error_file), ""
        prepare(path, options)  # a refused file stops here (exit 2), before a job row exists
        job = jobs.run_job(jobs.create_command_job(path, options).pk, on_progress=progress)
        if progress:
            progress.done()
        if job is None or job.status == ImportJob.Status.FAILED:
            raise CommandError(job.message if job else "The import job was taken by another process.")
        errors: list[dict[str, Any]] = []
        if job.error_file:
            with job.error_file.open("r") as error_file:
                errors = _read_errors(error_file)
        summary = {"encoding": job.encoding, "delimiter": job.delimiter, **job.summary()}
        return summary, errors, job.error_file.path if job.error_file else ""

    def _print_summary(self, summary: dict[str, Any], errors: list[dict[str, Any]], error_path: str,
                       dry_run: bool) -> None:
        for error in errors[:ERRORS_PRINTED]:
            self.stdout.write(f"row {error['row']}: {error['message']}")
        if len(errors) > ERRORS_PRINTED:
            self.stdout.write(f"... and {len(errors) - ERRORS_PRINTED:,} more invalid values"
                              + (f"; all of them are in {error_path}" if error_path else ""))
        elif error_path:
            self.stdout.write(f"Invalid rows: {error_path}")
        delimiter = DELIMITER_NAMES.get(summary["delimiter"], summary["delimiter"])
        self.stdout.write(f"Read as {summary['encoding']}, {delimiter}-separated." + (" Dry run: nothing was written."
                                                                                      if dry_run else ""))
        self.stdout.write(
            "rows {rows:,} = created {created:,} + updated {updated:,} + unchanged {unchanged:,}"
            " + duplicates_in_file {duplicates_in_file:,} + invalid {invalid:,}".format(**summary),
            style_func=self.style.SUCCESS,
        )


def _summary(report: ImportReport) -> dict[str, Any]:
    return {"encoding": report.encoding, "delimiter": report.delimiter, **report.summary()}


def _read_errors(error_file: Any) -> list[dict[str, Any]]:
    """Every error from an error CSV (row, column, value, message, then the row's own cells)."""
    reader = csv.reader(error_file)
    next(reader, None)
    return [{"row": int(row[0]), "column": row[1], "value": _unneutralised(row[2]), "message": row[3]}
            for row in reader]


def _unneutralised(value: str) -> str:
    # The error CSV guards spreadsheet users against formulas; JSON readers want the value as given.
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


class _ProgressBar:
    """A one-line progress bar for a terminal, redrawn in place."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, report: ImportReport) -> None:
        share = report.bytes_read / report.file_size if report.file_size else 1.0
        filled = int(share * self.WIDTH)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {report.rows:,} rows",
                          ending="")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("")

