"""Scores as a rep reads them: a learned score as a chance and a standing, factors as facts.

A learned version's score is its calibrated chance to convert, in percent; a rules version's is points.
`in_words(lead)` says which, with the version that gave it and, for a learned score, where the lead
stands among the open leads that version scored ("top 20 %"). `fact(text)` turns a learned factor's
bin name ("Message asks for a demo = no") into a statement, and the rules' clamping line is not a
reason at all: `reasons(lead)` leaves it out and says the factors' sum was cut at 0 or 100.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from leadops.cache import cached
from leads.models import Lead
from scoring.rules import CLAMP_PREFIX


@dataclass
class ScoreInWords:
    headline: str
    standing: str
    version: str


def _counts_by_score(version: int) -> dict[int, int]:
    """How many open leads this version scored at each value: 101 numbers, cached like the dashboard's."""
    def compute() -> dict[int, int]:
        rows = (Lead.objects.filter(score_version=version, status__in=Lead.RESCORED_STATUSES,
                                    score_value__isnull=False)
                .order_by().values("score_value").annotate(n=Count("*")))
        return {row["score_value"]: row["n"] for row in rows}

    return cached(f"score-counts:{version}", compute)


def standing(lead: Lead) -> str:
    if lead.score_value is None or lead.score_version is None:
        return ""
    counts = _counts_by_score(lead.score_version)
    total = sum(counts.values())
    if total < 10:
        return ""  # a standing among a handful of leads says nothing
    above = sum(count for value, count in counts.items() if value > lead.score_value)
    share = max(1, round(100 * (above + 1) / total))
    return f"top {share} % of open leads" if share <= 50 else f"bottom {max(1, 100 - share + 1)} % of open leads"


def in_words(lead: Lead) -> ScoreInWords | None:
    if lead.score_value is None:
        return None
    learned = lead.score_probability is not None
    version = f"scored by v{lead.score_version}" if lead.score_version else "scored by the built-in rules"
    if learned:
        return ScoreInWords(headline=f"{lead.score_value} % chance to convert", standing=standing(lead),
                            version=f"{version}, learned from outcomes")
    return ScoreInWords(headline=f"{lead.score_value} points of 100", standing="", version=f"{version} (rules)")


def fact(text: str) -> str:
    """A learned factor's bin name as a statement: "X = no" -> "Not: x", "X = yes" -> "X", "X missing"."""
    if " & " in text:
        return "; ".join(fact(part) for part in text.split(" & "))
    name, equals, value = text.partition(" = ")
    if equals:
        lowered = value.strip().lower()
        if lowered in ("yes", "true", "1"):
            return name
        if lowered in ("no", "false", "0"):
            return f"Not: {name[:1].lower()}{name[1:]}"
        if lowered == "other value":
            return f"{name}: something else"
        return f"{name}: {value}"
    if text.endswith(" missing"):
        return f"{text[: -len(' missing')]} not given"
    return text


def reasons(lead: Lead) -> tuple[list[dict[str, Any]], str]:
    """The score's factors (clamping left out, learned ones as facts) and a note when the sum was cut."""
    rows, note = [], ""
    learned = lead.score_probability is not None
    for row in lead.score_factors or []:
        if not isinstance(row, dict):
            continue
        label = str(row.get("factor", row.get("label", "?")))
        if label.startswith(CLAMP_PREFIX):
            total = sum(float(other.get("points", 0) or 0) for other in lead.score_factors
                        if isinstance(other, dict) and not str(other.get("factor", "")).startswith(CLAMP_PREFIX))
            note = f"The factors add up to {total:g}; a score stays between 0 and 100."
            continue
        rows.append({**row, "factor": fact(label) if learned else label})
    return rows, note
