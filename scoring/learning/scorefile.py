"""Reading a CSV as the leads an import would make, and scoring it with the active version.

The file is read the way `import_leads` reads it (the importer's encoding and delimiter sniffing,
its header mapping and its row builder), so a column feeds the same lead field or attribute it
would after an import, and each row becomes an unsaved Lead. A row intake would refuse (e.g. a
malformed email) is still scored from its columns as attributes: scoring does not need the row
to be importable. `bench/learning_eval.py` reads the public data sets through `read_leads` too,
so its figures come from the same path as the product's.

Each row gets the score the pipeline's score node would give it in rules mode (no LLM, no web
fetches): the active learned version's once it has enough outcomes, the rules' otherwise (then
`probability` is blank: rules give points, not a calibrated probability); a HOT lead missing what
HOT requires is WARM, as in the pipeline.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from leads.export import neutralise_formula
from leads.importing import columns
from leads.importing.run import _RowBuilder
from leads.importing.sniff import inspect
from leads.lead_input import IntakeError, parse_lead
from leads.models import Lead
from scoring import rules
from scoring.enrichment import offline_inputs
from scoring.models import ScoringConfig
from scoring.pipeline.nodes import scored

OUTPUT_COLUMNS = ["score_value", "score_label", "probability", "top_factors"]
TOP_FACTORS = 3
CHUNK_ROWS = 500  # rows whose companies' memory is read in one query


class ScoreFileError(Exception):
    """The file cannot be scored; the message says why, for the person running the command."""


@dataclass
class ScoreFileReport:
    rows: int = 0
    version: int | None = None  # None: no version is active, the built-in rules scored
    scored_by: str = ""  # "learned model" or "rules"
    labels: dict[str, int] | None = None


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


def _top_factors(factors: list[tuple[str, int]]) -> str:
    own = sorted((item for item in factors if item[1]), key=lambda item: -abs(item[1]))[:TOP_FACTORS]
    # Factor names carry the file's own values; a value like "=cmd()" must not run in a spreadsheet.
    return neutralise_formula("; ".join(f"{name} {points:+d}" for name, points in own))


class _Scorer:
    """Scores unsaved leads with the pipeline's own score step under a version (None: built-in rules)."""

    def __init__(self, config: ScoringConfig | None) -> None:
        self.config = config
        self.rules = rules.Rules.of(config)

    def scores(self, leads: list[Lead]) -> Iterator[tuple[str, tuple[int, str, str, str]]]:
        """Per lead: who scored it ("learned model" or "rules") and its four output cells."""
        inputs = offline_inputs(leads, self.rules.profile["competitor_domains"])
        for lead, (snapshot, enrichment, memory) in zip(leads, inputs):
            score, _ = scored(lead, snapshot, enrichment, memory, self.rules, self.config)
            probability = "" if score.probability is None else f"{score.probability:.4f}"
            own = [(factor.factor, factor.points) for factor in score.factors[1:]]  # after start / base rate
            scored_by = "learned model" if score.source == "learned" else "rules"
            yield scored_by, (score.value, score.label, probability, _top_factors(own))


def score_file(source: Path, destination: Path, config: ScoringConfig | None = None) -> ScoreFileReport:
    """Write `destination`: every input column plus score_value, score_label, probability, top_factors."""
    config = config or ScoringConfig.objects.filter(is_active=True).first()
    scorer = _Scorer(config)
    header, rows = read_leads(source)
    taken = [name for name in OUTPUT_COLUMNS if name in header]
    if taken:
        raise ScoreFileError(f"{source.name} already has a column named {taken[0]!r}; "
                             "rename it and run again.")
    report = ScoreFileReport(version=config.version if config else None, scored_by="rules",
                             labels={"HOT": 0, "WARM": 0, "COLD": 0})
    with open(destination, "w", encoding="utf-8", newline="") as outgoing:
        writer = csv.writer(outgoing)
        writer.writerow(header + OUTPUT_COLUMNS)
        while chunk := list(islice(rows, CHUNK_ROWS)):
            for row, (scored_by, cells) in zip(chunk, scorer.scores([row.lead for row in chunk])):
                report.scored_by = scored_by  # the same for every row: the version and its outcomes decide
                report.rows += 1
                report.labels[cells[1]] += 1
                writer.writerow(row.cells + [""] * (len(header) - len(row.cells)) + list(cells))
    return report
