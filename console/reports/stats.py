"""Rates with their 95 % Wilson score interval: honest error bars for the small counts a step or a band has."""

import math
from dataclasses import dataclass

Z_95 = 1.959964


@dataclass(frozen=True)
class Rate:
    hits: int
    total: int
    low: float
    high: float

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __str__(self) -> str:
        if not self.total:
            return "–"
        return f"{100 * self.hits / self.total:.1f} % ({100 * self.low:.1f}–{100 * self.high:.1f})"


def wilson(hits: int, total: int, z: float = Z_95) -> Rate:
    """hits of total, with the Wilson score interval (Wilson 1927), which stays inside 0-100 % and is sensible
    at 0 of 5 or 5 of 5, where the normal approximation gives an interval of width zero."""
    if total <= 0:
        return Rate(hits, 0, 0.0, 0.0)
    share = hits / total
    denominator = 1 + z * z / total
    centre = (share + z * z / (2 * total)) / denominator
    margin = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / denominator
    return Rate(hits, total, max(0.0, centre - margin), min(1.0, centre + margin))
