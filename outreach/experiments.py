"""A/B tests of a sequence step's template variants: who gets which, what each did, which one leads.

Assignment is random and reproducible: a hash of the lead's id and the step's id picks among the step's live
variants, so a lead keeps its variant whenever the step is drafted again, and each variant gets an even share.

The measure is the reply rate (leads who answered in person, any intent but out-of-office, over sends).
Opens are not counted: image proxies (Apple Mail Privacy Protection, Gmail's) load every pixel, so an open
rate says more about the recipient's mail client than about the email.

A reply, bounce, unsubscribe or meeting belongs to the step's email the lead had last been sent when it
happened (until the sequence's next email to the lead went out).

The statistics are plain functions: a pooled two-proportion z-test (two-sided) and the sample size per
variant for a two-sided test at significance alpha with the given power (Fleiss, "Statistical Methods for
Rates and Proportions", the formula without continuity correction).
"""

import hashlib
import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import NormalDist
from typing import Any

from leads.models import ActivityLog, Feedback
from outreach.models import EmailDraft, SequenceStep

# What a reply said that counts as one (an out-of-office answer is a machine's).
NOT_A_REPLY = frozenset({"out_of_office", "bounce"})
ALPHA, POWER = 0.05, 0.8


def assign_variant(lead_id: Any, step_id: Any, keys: list[str]) -> str:
    """One of `keys` for this lead at this step: random across leads, the same each time for one lead."""
    if not keys:
        raise ValueError("A step needs at least one template to choose from")
    digest = hashlib.sha256(f"{lead_id}:{step_id}".encode()).digest()
    return keys[int.from_bytes(digest[:8], "big") % len(keys)]


@dataclass(frozen=True)
class TestResult:
    z: float
    p_value: float


def two_proportion_test(successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> TestResult:
    """Pooled two-proportion z-test: is rate A different from rate B? Two-sided p-value."""
    if trials_a <= 0 or trials_b <= 0:
        raise ValueError("Both variants need at least one send")
    rate_a, rate_b = successes_a / trials_a, successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if spread == 0:
        return TestResult(0.0, 1.0)  # both rates 0 % or both 100 %: no evidence either way
    z = (rate_a - rate_b) / spread
    return TestResult(z, 2 * (1 - NormalDist().cdf(abs(z))))


def sends_needed(rate_a: float, rate_b: float, *, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Sends per variant for a two-sided test at `alpha` to detect the difference between these rates with
    `power`; None when the rates are equal (no number of sends tells them apart)."""
    if rate_a == rate_b:
        return None
    normal = NormalDist()
    z_alpha, z_power = normal.inv_cdf(1 - alpha / 2), normal.inv_cdf(power)
    mean = (rate_a + rate_b) / 2
    top = (z_alpha * math.sqrt(2 * mean * (1 - mean))
           + z_power * math.sqrt(rate_a * (1 - rate_a) + rate_b * (1 - rate_b)))
    return math.ceil(top ** 2 / (rate_a - rate_b) ** 2)


@dataclass
class VariantRow:
    """What one template variant of a step did."""

    template_key: str
    retired: bool
    sends: int = 0
    replies_by_intent: dict[str, int] = field(default_factory=dict)
    replied: int = 0  # leads who replied in person (the measure)
    meetings: int = 0
    bounces: int = 0
    unsubscribes: int = 0

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.sends if self.sends else None


@dataclass(frozen=True)
class Verdict:
    """Which variant leads on reply rate, how sure that is, and how many more sends would make it sure."""

    leader: str
    runner_up: str
    p_value: float | None
    significant: bool
    more_sends_needed: int | None  # per variant; None when no count would tell them apart yet

    @property
    def sentence(self) -> str:
        if self.p_value is None:
            return "Not enough sends yet: each variant needs at least one."
        if self.significant:
            return (f"“{self.leader}” leads on reply rate, and the difference is unlikely to be chance "
                    f"(two-proportion test, p = {self.p_value:.3f}).")
        if self.more_sends_needed is None:
            return f"“{self.leader}” and “{self.runner_up}” reply at the same rate so far."
        return (f"“{self.leader}” leads on reply rate, but it could still be chance (p = {self.p_value:.2f}): "
                f"about {self.more_sends_needed} more sends per variant would tell at this difference.")


def verdict(rows: list[VariantRow]) -> Verdict | None:
    """The leading live variant against the runner-up; None with fewer than two variants."""
    ranked = sorted((row for row in rows if row.sends), key=lambda row: row.reply_rate or 0, reverse=True)
    if len(rows) < 2:
        return None
    if len(ranked) < 2:
        names = [row.template_key for row in rows]
        return Verdict(names[0], names[1], None, False, None)
    first, second = ranked[0], ranked[1]
    test = two_proportion_test(first.replied, first.sends, second.replied, second.sends)
    significant = test.p_value < ALPHA
    needed = sends_needed(first.reply_rate or 0, second.reply_rate or 0)
    more = None if needed is None else max(needed - min(first.sends, second.sends), 0)
    return Verdict(first.template_key, second.template_key, test.p_value, significant, None if significant else more)


def variant_report(step: SequenceStep) -> list[VariantRow]:
    """Per template variant of `step`: sends, replies by intent, meetings, bounces and unsubscribes."""
    rows = {key: VariantRow(key, key in step.retired_template_keys) for key in step.template_keys}
    sends = list(EmailDraft.objects.filter(sequence_step=step, state=EmailDraft.State.SENT, sent_at__isnull=False)
                 .values_list("lead_id", "enrollment_id", "template_key", "sent_at"))
    if not sends:
        return list(rows.values())
    lead_ids = {lead_id for lead_id, *_rest in sends}
    # Each lead's sends in these enrollments, in order: a send's events run until the next one.
    timeline: dict[Any, list[datetime]] = defaultdict(list)
    for enrollment_id, sent_at in (EmailDraft.objects.filter(
            enrollment_id__in={enrollment for _lead, enrollment, *_rest in sends}, state=EmailDraft.State.SENT,
            sent_at__isnull=False).values_list("enrollment_id", "sent_at").order_by("sent_at")):
        timeline[enrollment_id].append(sent_at)
    since = min(sent_at for *_rest, sent_at in sends)
    events: dict[Any, list[tuple[datetime, str, str]]] = defaultdict(list)
    for lead_id, kind, payload, at in ActivityLog.objects.filter(
            lead_id__in=lead_ids, created_at__gte=since,
            type__in=(ActivityLog.Type.REPLY_RECEIVED, ActivityLog.Type.BOUNCED, ActivityLog.Type.UNSUBSCRIBED),
    ).values_list("lead_id", "type", "payload", "created_at"):
        events[lead_id].append((at, kind, str((payload or {}).get("classification", ""))))
    for lead_id, at in Feedback.objects.filter(lead_id__in=lead_ids, created_at__gte=since,
                                               outcome=Feedback.Outcome.BOOKED_DEMO).values_list("lead_id",
                                                                                                 "created_at"):
        events[lead_id].append((at, "MEETING", ""))
    for lead_id, enrollment_id, key, sent_at in sends:
        row = rows.setdefault(key, VariantRow(key, key in step.retired_template_keys))
        row.sends += 1
        times = timeline.get(enrollment_id, [sent_at])
        later = times[bisect_right(times, sent_at):]
        until = later[0] if later else None
        _count(row, [event for event in events.get(lead_id, []) if sent_at <= event[0] and (
            until is None or event[0] < until)])
    return list(rows.values())


def _count(row: VariantRow, events: list[tuple[datetime, str, str]]) -> None:
    """One lead's events after one send, counted once per kind (a lead who replied twice replied)."""
    intents = {intent for _at, kind, intent in events if kind == ActivityLog.Type.REPLY_RECEIVED}
    for intent in intents:
        row.replies_by_intent[intent] = row.replies_by_intent.get(intent, 0) + 1
    row.replied += bool(intents - NOT_A_REPLY)
    kinds = {kind for _at, kind, _intent in events}
    row.bounces += ActivityLog.Type.BOUNCED in kinds
    row.unsubscribes += ActivityLog.Type.UNSUBSCRIBED in kinds
    row.meetings += "MEETING" in kinds


def retire(step: SequenceStep, template_key: str) -> None:
    """Stop giving `template_key` to new leads at this step (its history stays in the report)."""
    if template_key not in step.template_keys:
        raise ValueError(f"“{template_key}” is not a variant of this step")
    if template_key not in step.retired_template_keys:
        live = [key for key in step.live_template_keys if key != template_key]
        if not live:
            raise ValueError("Keep at least one variant: this is the last one still in use")
        step.retired_template_keys = [*step.retired_template_keys, template_key]
        step.save(update_fields=["retired_template_keys", "updated_at"])


def reinstate(step: SequenceStep, template_key: str) -> None:
    step.retired_template_keys = [key for key in step.retired_template_keys if key != template_key]
    step.save(update_fields=["retired_template_keys", "updated_at"])
