"""Bins: how the learner cuts each feature's values, and the bin positions of many leads at once.

A categorical feature keeps its frequent values as levels, pools rare ones as "other value" and
has a "missing" bin; a number is cut at quantiles of the training leads (twelve ranges at most,
and at least ten leads per range, so no bin is thin) plus "missing"; a pair of features (an
interaction) is the product of two binnings, coarse or fine (PAIR_GRAINS).
Columns whose values are unique per lead are identifiers and get no bins.
"""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.learning.features import DATE_SUFFIX, Features

CATEGORICAL = "categorical"
NUMERIC = "numeric"
PAIR = "pair"
MAX_LEVELS = 200
MAX_NUMERIC_BINS = 12
# A category seen this often gets its own level. Rarer ones are pooled as "other value"; the L2
# penalty already shrinks a level seen a few times toward the base rate, so a higher cut-off only
# throws evidence away (bench/learning_eval.py: Olist's landing pages score better cut at 3 leads
# than at 0.2 % of them).
MIN_LEVEL_COUNT = 3
# Interactions: at most this many pairs, each binned coarse or fine: (top levels, quantile ranges).
MAX_PAIRS = 8
PAIR_GRAINS = ((4, 3), (12, 10))


def _normalise(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(text).strip().lower())


def _format_number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


@dataclass
class FeatureBins:
    """How one feature's values (or a pair of features' values) fall into bins, and each bin's weight."""

    name: str
    kind: str
    levels: list[str] = field(default_factory=list)
    edges: list[float] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    mean: float = 0.0  # average contribution over the training leads: the reference for explanations
    parts: list["FeatureBins"] = field(default_factory=list)  # a PAIR's two coarse features

    def __post_init__(self) -> None:
        self._index = {_normalise(level): position for position, level in enumerate(self.levels)}

    @property
    def size(self) -> int:
        # categorical: levels + "other value" + missing; numeric: len(edges)+1 ranges + missing
        if self.kind == PAIR:
            return self.parts[0].size * self.parts[1].size
        return len(self.levels) + 2 if self.kind == CATEGORICAL else len(self.edges) + 2

    @property
    def missing_bin(self) -> int:
        return self.size - 1

    def bin_of(self, value: Any) -> int:
        if value is None:
            return self.missing_bin
        if self.kind == CATEGORICAL:
            text = _format_number(value) if isinstance(value, float) else str(value)
            return self._index.get(_normalise(text), len(self.levels))
        if not isinstance(value, float):
            return self.missing_bin
        return int(np.searchsorted(self.edges, value, side="left"))

    def bins_of(self, table: "Columns") -> np.ndarray:
        """Bin positions of every lead in a table: each distinct value is binned once."""
        if self.kind == PAIR:
            first, second = self.parts
            return first.bins_of(table) * second.size + second.bins_of(table)
        codes = table.codes.get(self.name)
        if codes is None:
            return np.full(table.size, self.missing_bin, dtype=np.int32)
        lookup = np.array([self.bin_of(value) for value in table.distinct[self.name]], dtype=np.int32)
        return lookup[codes]

    def bin_for(self, row: Features) -> int:
        if self.kind == PAIR:
            first, second = self.parts
            return first.bin_for(row) * second.size + second.bin_for(row)
        return self.bin_of(row.get(self.name))

    def _edge(self, position: int) -> str:
        if self.name.endswith(DATE_SUFFIX):
            return datetime.date.fromordinal(int(self.edges[position])).isoformat()
        return _format_number(self.edges[position])

    def bin_name(self, position: int) -> str:
        if self.kind == PAIR:
            first, second = self.parts
            return f"{first.bin_name(position // second.size)} & {second.bin_name(position % second.size)}"
        if position == self.missing_bin:
            return f"{self.name} missing"
        if self.kind == CATEGORICAL:
            return (f"{self.name} = {self.levels[position]}" if position < len(self.levels)
                    else f"{self.name} = other value")
        if position == 0:
            return f"{self.name} ≤ {self._edge(0)}"
        if position == len(self.edges):
            return f"{self.name} > {self._edge(-1)}"
        return f"{self.name} {self._edge(position - 1)}–{self._edge(position)}"

    def unfitted(self) -> "FeatureBins":
        return FeatureBins(self.name, self.kind, list(self.levels), list(self.edges),
                           parts=[part.unfitted() for part in self.parts])

    def as_json(self) -> dict[str, Any]:
        data = {"name": self.name, "kind": self.kind, "levels": self.levels, "edges": self.edges,
                "weights": [round(weight, 6) for weight in self.weights], "mean": round(self.mean, 6)}
        if self.parts:
            data["parts"] = [part.as_json() for part in self.parts]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FeatureBins":
        return cls(data["name"], data["kind"], levels=list(data["levels"]), edges=list(data["edges"]),
                   weights=list(data["weights"]), mean=float(data["mean"]),
                   parts=[cls.from_json(part) for part in data.get("parts", [])])


@dataclass
class Columns:
    """Leads' features column by column: per feature, a code per lead and the distinct values.

    Training bins every feature of every lead several times (folds, pairs, refits); with the
    values factorised once, binning a column costs one lookup per distinct value plus a take.
    """

    size: int
    codes: dict[str, np.ndarray]
    distinct: dict[str, list[Any]]

    @classmethod
    def of(cls, rows: "Sequence[Features] | Columns") -> "Columns":
        if isinstance(rows, Columns):
            return rows
        names: dict[str, None] = {}
        for row in rows:
            names.update(dict.fromkeys(row))
        codes, distinct = {}, {}
        for name in names:
            index: dict[Any, int] = {}
            codes[name] = np.fromiter((index.setdefault(row.get(name), len(index)) for row in rows),
                                      dtype=np.int32, count=len(rows))
            distinct[name] = list(index)
        return cls(len(rows), codes, distinct)

    def subset(self, positions: np.ndarray) -> "Columns":
        return Columns(len(positions), {name: codes[positions] for name, codes in self.codes.items()}, self.distinct)


# A whole-number column this dense is a serial (a row or lead number): its values lie within
# SERIAL_SPREAD times their count of one another, as numbers handed out one after another do.
SERIAL_SPREAD = 20


def _is_identifier(present: list[tuple[Any, int]], total: int, numeric: bool) -> bool:
    """A column whose values are (almost) all different identifies the row; it cannot generalise.

    A serial also tells the order leads arrived in, which a new lead's score must not learn from.
    """
    if total < 20:
        return False
    if not numeric:
        return len({str(value) for value, _ in present}) / total > 0.9
    # Numbers are often all different by nature (amounts); only whole-number serials are ids.
    if total < 200 or not all(value == int(value) for value, _ in present):
        return False
    if all(count == 1 for _, count in present):
        return True
    # A serial with some rows repeated (an export holding a record twice) is still a serial.
    values = [value for value, _ in present]
    return len(values) > 0.9 * total and max(values) - min(values) <= SERIAL_SPREAD * len(values)


def build_bins(
    rows: "Sequence[Features] | Columns", min_count: int | None = None, max_levels: int = MAX_LEVELS,
    max_bins: int = MAX_NUMERIC_BINS, names: Sequence[str] | None = None,
) -> list[FeatureBins]:
    """Choose the bins of every usable feature (or only of `names`) from the training leads."""
    table = Columns.of(rows)
    min_count = min_count or MIN_LEVEL_COUNT
    bins: list[FeatureBins] = []
    for name in names if names is not None else list(table.codes):
        if name not in table.codes:
            continue
        counts = np.bincount(table.codes[name], minlength=len(table.distinct[name]))
        present = [(value, int(count)) for value, count in zip(table.distinct[name], counts)
                   if value is not None and count]
        total = sum(count for _, count in present)
        if total < min_count:
            continue
        numbers = [(value, count) for value, count in present if isinstance(value, float)]
        numeric = sum(count for _, count in numbers) >= 0.95 * total
        if _is_identifier(numbers if numeric else present, total, numeric):
            continue
        if numeric:
            values = np.repeat([value for value, _ in numbers], [count for _, count in numbers])
            bin_count = min(max_bins, max(2, len(values) // max(min_count, 10)))
            quantiles = np.linspace(0, 1, bin_count + 1)[1:-1]
            edges = sorted({float(edge) for edge in np.quantile(values, quantiles)})
            feature = FeatureBins(name, NUMERIC, edges=edges)
        else:
            level_counts: dict[str, int] = {}
            display: dict[str, str] = {}
            for value, count in sorted(present, key=lambda item: -item[1]):
                text = _format_number(value) if isinstance(value, float) else str(value)
                key = _normalise(text)
                level_counts[key] = level_counts.get(key, 0) + count
                display.setdefault(key, text)
            kept = sorted((key for key, count in level_counts.items() if count >= min_count),
                          key=lambda key: -level_counts[key])
            feature = FeatureBins(name, CATEGORICAL, levels=[display[key] for key in kept[:max_levels]])
        if len(np.unique(feature.bins_of(table))) >= 2:
            bins.append(feature)
    return bins


def encode(bins: Sequence[FeatureBins], rows: "Sequence[Features] | Columns") -> np.ndarray:
    """Leads as an (n leads x n features) matrix of bin positions."""
    table = Columns.of(rows)
    matrix = np.empty((table.size, len(bins)), dtype=np.int32)
    for column, feature in enumerate(bins):
        matrix[:, column] = feature.bins_of(table)
    return matrix
