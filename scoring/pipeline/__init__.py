"""The qualification pipeline: typed state, one function per node, explicit routing, a runner.

    normalize_input -> enrich_lead -> score_lead -> decide_next_action -> draft_email -> save
                                                                     (named "log_to_crm" in traces)

Modules: `state` (the typed state), `nodes` (one function per node), `routing` (the decision
rules), `redaction` (what an LLM may see), `runner` (`qualify(lead_ids)` for one batch,
`qualify_in_batches` for any number in this process), `save` (the save step, in bulk) and `tasks`
(the Celery tasks that call the runner). The database work of a batch: `reads` and `writes` (the
ORM version), `postgres` (the same on PostgreSQL in fewer statements), `batch` (what they pass).
"""
