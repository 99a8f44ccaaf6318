"""The qualification pipeline: typed state, one function per node, explicit routing, a runner.

    normalize_input -> enrich_lead -> score_lead -> decide_next_action -> draft_email -> log_to_crm

`qualify(lead_ids)` runs one batch; `qualify_in_batches` any number in this process. Celery
tasks (scoring.tasks) call these.
"""

from scoring.pipeline.crm import RunSummary
from scoring.pipeline.runner import qualify, qualify_in_batches

__all__ = ["RunSummary", "qualify", "qualify_in_batches"]
