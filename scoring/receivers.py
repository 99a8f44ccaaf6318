"""How scoring answers what leads announces: it qualifies the leads intake asks for, and learns from outcomes.

Connected in `ScoringConfig.ready()`.
"""

from typing import Any

from scoring import tasks


def qualify_wanted_leads(sender: Any, lead_ids: list[Any], **kwargs: Any) -> None:
    """`qualification_wanted` (sent once intake's transaction committed): queue the leads for the pipeline."""
    tasks.enqueue_qualification(lead_ids)


def retrain_after_outcome(sender: Any, **kwargs: Any) -> None:
    """`outcome_recorded`: once the outcome commits, learning trains when enough new outcomes came in."""
    tasks.retrain_scoring.delay_on_commit()
