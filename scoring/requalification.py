"""Which leads are qualified again without a change of their own, and when.

Three cases: a scoring version was activated, so the open leads (`Lead.RESCORED_STATUSES`) are scored
again under it; and a lead's qualification was lost (a task lost with the broker, or a result
commit lost in a database crash), so the sweep queues it again once it has waited STRANDED_AFTER; and
the rules scored a lead because the LLM did not answer, so once it answers again the lead is qualified
with it (LLM_REQUALIFY_LIMIT a sweep, longest waiting first).
The tasks in scoring.pipeline.tasks queue what these functions find.
"""

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

from django.db.models import Exists, OuterRef
from django.utils import timezone

from leads.models import Lead
from scoring.models import Trace

# A lead not qualified with its current inputs this long after they came in (new, or changed by an
# import) lost its qualification; its own task may still be on its way before then.
STRANDED_AFTER = timedelta(minutes=10)
STRANDED_LOOKBACK = timedelta(days=7)
STRANDED_LIMIT = 50_000


def open_lead_ids() -> Iterator[UUID]:
    """The ids of the leads a newly activated version scores again, read in chunks."""
    return Lead.objects.filter(status__in=Lead.RESCORED_STATUSES).values_list("pk", flat=True).iterator(10_000)


def open_lead_count() -> int:
    """How many leads activating a version scores again (the Scoring model page asks first, with this count)."""
    return Lead.objects.filter(status__in=Lead.RESCORED_STATUSES).count()


def stranded_lead_ids() -> list[UUID]:
    """Leads whose current inputs never got a result.

    Intake clears `qualified_at` when it creates a lead or changes its inputs, and a saved run sets it.
    A lead whose run after that failed has a failed Trace and an ERROR on its timeline: it is left for
    a person (or `qualify_leads --ids`) rather than failing again every sweep.
    """
    now = timezone.now()
    stranded = (
        Lead.objects.filter(
            status__in=Lead.RESCORED_STATUSES, qualified_at__isnull=True,
            updated_at__lt=now - STRANDED_AFTER, updated_at__gt=now - STRANDED_LOOKBACK,
        )
        .exclude(Exists(Trace.objects.filter(lead=OuterRef("pk"), created_at__gte=OuterRef("updated_at"))))
        .values_list("pk", flat=True)[:STRANDED_LIMIT]
    )
    return list(stranded)


def fallen_back_lead_ids(limit: int) -> list[UUID]:
    """Open leads whose latest result is the rules' because the LLM did not answer, oldest result first.

    The save step marks them (`enrichment.llm_unanswered`) and files them under the rules' fingerprint, so
    a run with the LLM on does them again rather than calling them unchanged. A draft the LLM wrote but
    that was unusable is not such a case: asking again would give the same answer.
    """
    return list(
        Lead.objects.filter(status__in=Lead.RESCORED_STATUSES, qualified_at__isnull=False,
                            enrichment__llm_unanswered=True)
        .order_by("qualified_at")
        .values_list("pk", flat=True)[:limit]
    )
