"""`manage.py score_file IN.csv --out OUT.csv`: score a CSV with the active version, import nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leads.importing.sniff import RefusedFile
from scoring.learning.scorefile import ScoreFileError, score_file


class Command(BaseCommand):
    help = ("Score every row of a CSV as the pipeline would (rules mode) with the active scoring version: "
            "its learned model once it has enough outcomes, else the rules. Writes the rows with score_value, "
            "score_label, probability (learned model only) and top_factors. Nothing is imported.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="CSV file to score")
        parser.add_argument("--out", type=Path, required=True, help="where to write the scored CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        source, destination = options["path"], options["out"]
        if not source.is_file():
            raise CommandError(f"{source} does not exist or is not a file.")
        if destination.resolve() == source.resolve():
            raise CommandError("--out must be a different file from the input.")
        try:
            report = score_file(source, destination)
        except (ScoreFileError, RefusedFile) as error:
            raise CommandError(str(error)) from None
        except OSError as error:  # e.g. --out in a folder that does not exist, or a file not readable
            verb = "read" if error.filename == str(source) else "write"
            raise CommandError(f"Cannot {verb} {error.filename or destination}: {error.strerror}.") from None
        labels = ", ".join(f"{count} {label}" for label, count in (report.labels or {}).items())
        scorer = "the built-in rules" if report.version is None else f"v{report.version}'s {report.scored_by}"
        self.stdout.write(self.style.SUCCESS(
            f"Scored {report.rows} rows with {scorer} ({labels}) into {destination}."))
