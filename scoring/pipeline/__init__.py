"""The qualification pipeline: typed state, one function per node, explicit routing, a runner.

    normalize_input -> enrich_lead -> score_lead -> decide_next_action -> draft_email -> log_to_crm

Modules: `state` (the typed state), `nodes` (one function per node), `routing` (the decision
rules), `redaction` (what an LLM may see), `runner` (`qualify(lead_ids)` for one batch,
`qualify_in_batches` for any number in this process) and `crm` (log_to_crm, the bulk save).
Celery tasks in scoring.tasks call the runner.
"""
