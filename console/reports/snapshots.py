"""Cached report figures: one snapshot per report and period, never older than REPORT_MAX_AGE_SECONDS.

Beat refreshes every report for every preset period (console.tasks.refresh_reports, more often than the
maximum age), so at scale a page only reads the cache. A page that finds no snapshot, or one past the
maximum age (beat stopped), computes it once: the first request takes a lock and computes, the others get
the stale copy meanwhile, or wait for the first one's result when there is none.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from console.reports import agent, funnel, health, sequences
from console.reports.periods import PRESETS, Period, chosen
from console.reports.tables import Report

# name -> (title, compute)
REPORTS: dict[str, tuple[str, Callable[[Period], Report]]] = {
    "agent": ("Agent performance", agent.compute),
    "sequences": ("Sequences", sequences.compute),
    "funnel": ("Funnel and sources", funnel.compute),
    "health": ("System health", health.compute),
}
_LOCK_SECONDS = 120
_WAIT_SECONDS = 30


@dataclass
class Snapshot:
    name: str
    report: Report
    period: Period
    as_of: datetime


def _key(name: str, period_key: str) -> str:
    return f"console:report:{name}:{period_key}"


def compute(name: str, period_key: str) -> Snapshot:
    """Compute and store one snapshot now."""
    period = chosen(period_key)
    snapshot = Snapshot(name=name, report=REPORTS[name][1](period), period=period, as_of=period.until)
    # Kept past the maximum age, so a late refresh still has a copy to serve meanwhile.
    cache.set(_key(name, period.key), snapshot, timeout=settings.REPORT_MAX_AGE_SECONDS * 12)
    return snapshot


def _fresh(snapshot: Snapshot | None) -> bool:
    return snapshot is not None and (timezone.now() - snapshot.as_of).total_seconds() < settings.REPORT_MAX_AGE_SECONDS


def read(name: str, period_key: str | None) -> Snapshot:
    """The report's snapshot for the period: the cached one while fresh, else computed by one request."""
    period_key = chosen(period_key).key
    key = _key(name, period_key)
    snapshot = cache.get(key)
    if _fresh(snapshot):
        return snapshot
    if cache.add(f"{key}:lock", 1, timeout=_LOCK_SECONDS):
        try:
            return compute(name, period_key)
        finally:
            cache.delete(f"{key}:lock")
    if snapshot is not None:
        return snapshot
    deadline = time.monotonic() + _WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.2)  # another request is computing the first snapshot of this report and period
        snapshot = cache.get(key)
        if snapshot is not None:
            return snapshot
    return compute(name, period_key)


def refresh_all() -> int:
    """Beat: recompute every report for every preset period; returns how many snapshots it wrote."""
    for name in REPORTS:
        for period_key in PRESETS:
            compute(name, period_key)
    return len(REPORTS) * len(PRESETS)
