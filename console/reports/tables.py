"""What a report is made of: tables (shown on the page and written to its CSV), bar charts and notes."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    # Said under the table: what its figures mean or leave out.
    note: str = ""
    # Columns that group under one heading, e.g. {"Variants": ["A sent", "A replies"]} once steps have variants.
    groups: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Chart:
    title: str
    # (label, value, css class); drawn with console.charts.horizontal_bars.
    bars: list[tuple[str, int, str]]
    suffix: str = ""
    scale_to: int = 0


@dataclass
class Report:
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Plain figures for the scheduled email's summary lines (label -> value).
    headline: dict[str, Any] = field(default_factory=dict)
