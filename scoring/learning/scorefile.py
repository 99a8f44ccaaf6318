"""Reading a CSV as the leads an import would make, and scoring it with the active version.

The file is read the way `import_leads` reads it (the importer's encoding and delimiter sniffing,
its header mapping and its row builder), so a column feeds the same lead field or attribute it
would after an import, and each row becomes an unsaved Lead scored through `lead_features`. A
row intake would refuse (e.g. a malformed email) is still scored from its columns as attributes:
scoring does not need the row to be importable. `bench/learning_eval.py` reads the public data
sets through `read_leads` too, so its figures come from the same path as the product's.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leads.export import neutralise_formula
from leads.importing import columns
from leads.importing.run import _RowBuilder
from leads.importing.sniff import inspect
from leads.lead_input import IntakeError, parse_lead
from leads.models import Lead
from scoring.learning.evaluation import label_for
from scoring.learning.explain import explain, model_of
from scoring.learning.features import lead_features
from scoring.models import ScoringConfig

OUTPUT_COLUMNS = ["score_value", "score_label", "probability", "top_factors"]
TOP_FACTORS = 3


class ScoreFileError(Exception):
    """The file cannot be scored; the message says why, for the person running the command."""


@dataclass
class ScoreFileReport:
    rows: int = 0
    version: int = 0
    labels: dict[str, int] | None = None


def active_learned_version() -> ScoringConfig:
    config = ScoringConfig.objects.filter(is_active=True).first()
    if config is None or config.source != ScoringConfig.Source.LEARNED or not config.model:
        active = f"the active version is v{config.version} ({config.get_source_display()})" if config else \
            "no version is active"
        raise ScoreFileError(f"score_file scores with a learned version, but {active}. "
                             "Train one with `manage.py train_scoring` and activate it.")
    return config


@dataclass
class FileRow:
    """One data row of a CSV: its cells, the unsaved Lead an import would make of it, and its outcome."""

    cells: list[str]
    lead: Lead
    outcome: str | None


def _lead_of(header: list[str], row: list[str], builder: _RowBuilder) -> tuple[Lead, str | None]:
    data = builder.build(row)
    outcome = data.pop("outcome", None)
    try:
        parsed = parse_lead(data)
        fields, source = parsed.lead_fields(), parsed.source or Lead.Source.IMPORT
    except IntakeError:
        fields = {"attributes": {name: value for name, value in zip(header, row) if value != ""}}
        source = Lead.Source.IMPORT
    lead = Lead(**{name: value for name, value in fields.items() if name != "attributes"},
                attributes=fields.get("attributes") or {}, source=source)
    return lead, outcome


def read_leads(
    source: Path, *, id_column: str | None = None, outcome_column: str | None = None,
    won_values: Iterable[str] = (), overrides: dict[str, str] | None = None,
) -> tuple[list[str], Iterator[FileRow]]:
    """The header and, lazily, every row as the lead `import_leads` would create (nothing is saved)."""
    shape = inspect(source)
    header = shape.header
    targets = columns.suggest(header, overrides, id_column=id_column, outcome_column=outcome_column)
    builder = _RowBuilder(header, targets, frozenset(won_values))

    def rows() -> Iterator[FileRow]:
        with open(source, encoding=shape.encoding, errors="replace", newline="") as incoming:
            reader = csv.reader(incoming, delimiter=shape.delimiter)
            next((row for row in reader if any(cell.strip() for cell in row)), None)  # the header
            for row in reader:
                if "".join(row).strip():
                    lead, outcome = _lead_of(header, row, builder)
                    yield FileRow(row, lead, outcome)

    return header, rows()


def _top_factors(factors: list[dict[str, Any]]) -> str:
    own = factors[1:1 + TOP_FACTORS]  # after the base rate, strongest first
    # Factor names carry the file's own values; a value like "=cmd()" must not run in a spreadsheet.
    return neutralise_formula("; ".join(f"{factor['factor']} {factor['points']:+d}" for factor in own))


def score_file(source: Path, destination: Path, config: ScoringConfig | None = None) -> ScoreFileReport:
    """Write `destination`: every input column plus score_value, score_label, probability, top_factors."""
    config = config or active_learned_version()
    model = model_of(config)
    leaky = config.profile.get("leaky_columns", [])
    header, rows = read_leads(source)
    taken = [name for name in OUTPUT_COLUMNS if name in header]
    if taken:
        raise ScoreFileError(f"{source.name} already has a column named {taken[0]!r}; rename it and run again.")
    report = ScoreFileReport(version=config.version, labels={"HOT": 0, "WARM": 0, "COLD": 0})
    with open(destination, "w", encoding="utf-8", newline="") as outgoing:
        writer = csv.writer(outgoing)
        writer.writerow(header + OUTPUT_COLUMNS)
        for row in rows:
            value, probability, factors = explain(model, lead_features(row.lead, leaky))
            label = label_for(value, config.thresholds)
            report.rows += 1
            report.labels[label] += 1
            padded = row.cells + [""] * (len(header) - len(row.cells))
            writer.writerow(padded + [value, label, f"{probability:.4f}", _top_factors(factors)])
    return report
