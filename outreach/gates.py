"""The approval gate: which leads wait for a manager, and what a rep may do with them meanwhile.

A gate is raised by qualification (an enterprise lead, a disqualification to confirm) and stays
raised until a manager clears it. A later run can only add to it: a run that no longer finds the
reason (a rep lowered the budget, a re-import shrank the company, a new version moved a threshold)
keeps the gate and its reason, and a run that finds a new reason adds it. Once a manager has
cleared a gate, the reasons they cleared do not raise it again; any other reason does.

What a rep may do with a draft only a manager may approve (`EmailDraft.gated`):

| action     | rep                                              | manager |
| ---------- | ------------------------------------------------ | ------- |
| save       | yes: the manager approves the text as saved      | yes     |
| needs info | yes: the question drafted instead is gated too   | yes     |
| approve    | no                                               | yes     |
| reject     | no: it would take the lead off the manager's list | yes     |
| disqualify | asks a manager, who confirms or keeps the lead   | yes     |

`outreach.approval` refuses what this table refuses, and the pages show only the allowed buttons.
"""

import enum
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from leadops.cache import cached
from leadops.roles import has_role, is_manager
from leads.models import Lead
from outreach.models import GATED_FOR_MANAGER, EmailDraft

# How the reasons of one gate are joined in Lead.approval_reason (and copied onto its drafts).
SEPARATOR = "; "
# The reason qualification gives a disqualification it leaves to a manager (scoring.pipeline.routing).
DISQUALIFICATION_PREFIX = "Disqualification to confirm: "
REASON_MAX = Lead._meta.get_field("approval_reason").max_length


class Act(enum.StrEnum):
    """The draft editor's buttons (console: the lead page and the review queue)."""

    SAVE = "save"
    APPROVE = "approve"
    REJECT = "reject"
    NEEDS_INFO = "needs_info"
    DISQUALIFY = "disqualify"


ALL_ACTS = frozenset(Act)
REP_ON_GATED = frozenset({Act.SAVE, Act.NEEDS_INFO, Act.DISQUALIFY})


def allowed_acts(draft: EmailDraft, user: Any) -> frozenset[Act]:
    """What `user` may do with `draft` as it stands (the table above)."""
    if user is None or not has_role(user):
        return frozenset()
    manager_or_open = is_manager(user) or not draft.gated
    if draft.state == EmailDraft.State.DRAFT:
        return ALL_ACTS if manager_or_open else REP_ON_GATED
    if draft.state == EmailDraft.State.APPROVED and manager_or_open:
        return frozenset({Act.REJECT})  # until the outbox claims it
    return frozenset()


def lead_gated(lead: Lead) -> bool:
    """A manager has a say on this lead: its gate is raised, or one of its drafts waits for a manager."""
    if lead.needs_approval:
        return True
    return EmailDraft.objects.filter(GATED_FOR_MANAGER, lead=lead, state=EmailDraft.State.DRAFT).exists()


def disqualification_waits(lead: Lead, user: Any) -> bool:
    """A rep's disqualification of a gated lead is a request, which a manager confirms or declines."""
    return not is_manager(user) and lead_gated(lead)


def reasons(text: str) -> list[str]:
    return [part for part in text.split(SEPARATOR) if part]


def joined(*parts: str) -> str:
    """One gate's reasons, each once, in the order they were raised; cut to what the column holds."""
    unique = dict.fromkeys(reason for part in parts for reason in reasons(part))
    return SEPARATOR.join(unique)[:REASON_MAX]


def without_disqualification(text: str) -> str:
    """The gate's reasons once a manager has decided on its disqualification."""
    return joined(*(reason for reason in reasons(text) if not reason.startswith(DISQUALIFICATION_PREFIX)))


def after_run(lead: Lead, needed: bool, reason: str) -> tuple[bool, str]:
    """The lead's (needs_approval, approval_reason) after a run that asked for a gate (`needed`, `reason`).

    Runs only raise gates: a raised gate stays raised with its reasons, a reason a manager cleared
    stays cleared, and any other reason raises the gate.
    """
    if lead.needs_approval:
        return True, joined(lead.approval_reason, reason if needed else "")
    cleared = lead.approved_at is not None
    if not needed or not reason:
        # A cleared gate keeps its reasons: they are what the manager cleared.
        return False, lead.approval_reason if cleared else ""
    if cleared and set(reasons(reason)) <= set(reasons(lead.approval_reason)):
        return False, lead.approval_reason
    return True, joined(reason)


HOT_FIRST = Case(
    When(lead__score_label=Lead.Label.HOT, then=Value(0)),
    When(lead__score_label=Lead.Label.WARM, then=Value(1)),
    When(lead__score_label=Lead.Label.COLD, then=Value(2)),
    default=Value(3), output_field=IntegerField(),
)
# The review queue's order (the page and the API): HOT first, then by score, oldest first.
QUEUE_ORDER = (HOT_FIRST, "-lead__score_value", "created_at")
# How many ids of the queue's head are cached: a screen of the page (25) or of the API (50), with spares for
# the drafts handled since the head was read.
QUEUE_HEAD = 100


def waiting_drafts(user: Any, *, for_manager_only: bool = False) -> QuerySet[EmailDraft]:
    """Drafts waiting for a person, HOT first; a rep does not see the ones only a manager may approve.

    `for_manager_only`: just those (a manager's list of what waits for them).
    """
    drafts = EmailDraft.objects.filter(state=EmailDraft.State.DRAFT)
    if not is_manager(user):
        return drafts.none() if for_manager_only else drafts.exclude(GATED_FOR_MANAGER)
    return drafts.filter(GATED_FOR_MANAGER) if for_manager_only else drafts


def queue_head(user: Any) -> dict[str, Any]:
    """The ids at the head of `user`'s queue in QUEUE_ORDER, how many drafts wait, and for a manager how many
    wait for a manager alone; cached (`leadops.cache.cached`), one copy per role, for the page and the API.

    Ordering every waiting draft by its lead's label is a join and a sort over all of them, and counting them
    another scan; the cache turns both into one key lookup. Drafts handled since are dropped when the rows are
    read (`queue_drafts`), and a person's own actions bump the cache version, so their queue is never behind them.
    """
    manager = is_manager(user)

    def compute() -> dict[str, Any]:
        drafts = waiting_drafts(user)
        head = {"ids": list(drafts.order_by(*QUEUE_ORDER).values_list("pk", flat=True)[:QUEUE_HEAD]),
                "waiting": drafts.count()}
        if manager:
            head["gated"] = waiting_drafts(user, for_manager_only=True).count()
        return head

    return cached(f"review-queue:{'manager' if manager else 'rep'}", compute)


def queue_drafts(user: Any, head: dict[str, Any] | None = None) -> QuerySet[EmailDraft]:
    """The drafts of the cached head (`head`, when the caller has read it) that still wait, in QUEUE_ORDER: a
    read by primary key, not a sort."""
    return waiting_drafts(user).filter(pk__in=(head or queue_head(user))["ids"]).order_by(*QUEUE_ORDER)
