"""Synthetic outcome data with a known signal (and a no-signal control) for the learning tests.

The signal: leads whose "Lead Source" is Reference convert about 60 % of the time, Google leads
about 10 %, and conversion also rises with "Time on site"; "Favourite colour" is pure noise.
"""

from typing import Any

import numpy as np

from leads.models import Feedback, Lead

SOURCES = ("Reference", "Google", "Olark Chat", "Direct Traffic")
SOURCE_RATE = {"Reference": 0.6, "Google": 0.1, "Olark Chat": 0.15, "Direct Traffic": 0.2}
COLOURS = ("red", "green", "blue")


def synthetic(count: int, seed: int = 0, signal: bool = True) -> tuple[list[dict[str, Any]], np.ndarray]:
    """(attributes per lead, 1/0 converted); without signal every lead converts at 30 %."""
    random = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(count):
        source = str(random.choice(SOURCES))
        seconds = int(random.integers(0, 2000))
        rate = min(0.95, SOURCE_RATE[source] + (0.25 if seconds > 1000 else 0.0)) if signal else 0.3
        rows.append({"Lead Source": source, "Time on site": str(seconds),
                     "Favourite colour": str(random.choice(COLOURS))})
        labels.append(1 if random.random() < rate else 0)
    return rows, np.array(labels, dtype=float)


def create_leads_with_outcomes(count: int, seed: int = 0, signal: bool = True, prefix: str = "L") -> list[Lead]:
    """Leads (keyed by external id, as a historic import makes them) each with one recorded outcome."""
    rows, labels = synthetic(count, seed, signal)
    leads = Lead.objects.bulk_create([
        Lead(external_id=f"{prefix}{seed}-{index}", source=Lead.Source.IMPORT, attributes=attributes)
        for index, attributes in enumerate(rows)
    ])
    Feedback.objects.bulk_create([
        Feedback(lead=lead, outcome=Feedback.Outcome.CLOSED_WON if label else Feedback.Outcome.CLOSED_LOST)
        for lead, label in zip(leads, labels)
    ])
    return leads
