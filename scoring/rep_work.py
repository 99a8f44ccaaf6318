"""A rep's work that follows a qualification run (`leads.signals.leads_scored`, every lead a run saved): the
assignment rules give new leads an owner, then a HOT lead with no email address gets a call task for that owner.

"HOT" here is the score, not only the label: the rules hold a lead without an address back to WARM (an email is
required for the HOT label), so a lead whose score reached its version's HOT cut-off counts too.

The task carries an origin key, so a re-run makes no second one. Connected in `ScoringConfig.ready()`.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from leads import rep_tasks
from leads.assignment import apply_rules
from leads.models import Lead, Task
from scoring.models import ScoringConfig
from scoring.rules import DEFAULT_THRESHOLDS

# How soon a HOT lead without an address should be called.
CALL_WITHIN = timedelta(hours=4)


def hot_without_email(lead_ids: list[Any]) -> list[Lead]:
    """These leads that have no email address and a HOT score by the version that scored them."""
    leads = list(Lead.objects.filter(pk__in=lead_ids, email="", erased_at__isnull=True, score_value__isnull=False)
                 .exclude(status__in=Lead.FINISHED_STATUSES).select_related("owner"))
    versions = {lead.score_version for lead in leads}
    cutoffs = {config.version: config.label_cutoffs()["hot"]
               for config in ScoringConfig.objects.filter(version__in=versions)}
    return [lead for lead in leads if lead.score_label == Lead.Label.HOT
            or lead.score_value >= cutoffs.get(lead.score_version, DEFAULT_THRESHOLDS["hot"])]


def after_scoring(sender: Any, changes: list[dict[str, Any]], **kwargs: Any) -> None:
    after_qualifying(sender, [change["lead_id"] for change in changes])


def after_qualifying(sender: Any, lead_ids: list[Any], **kwargs: Any) -> None:
    apply_rules(lead_ids)
    for lead in hot_without_email(lead_ids):
        how = f" on {lead.phone}" if lead.phone else " (find a number or an address)"
        rep_tasks.create_task(
            lead, kind=Task.Kind.CALL, title=f"Call {lead}{how}"[:200], due_at=timezone.now() + CALL_WITHIN,
            source=Task.Source.PIPELINE, origin_key=f"hot-no-email:{lead.pk}",
            notes="A HOT lead with no email address: call them, or find an address to email.")
