"""The briefing sections of the scheduled report email (outreach.report_subscriptions): what happened in the
period, in plain numbers, for the team and for one user's own leads.

The numbers are always there. When the LLM is on, a two- or three-sentence summary written from
those numbers alone (no lead data is sent) opens the email; if the call fails, or the summary points
at something its numbers do not show (the review queue when no draft waits, a figure that is not one
of them), the email goes out with the numbers only.
"""

import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.template.loader import render_to_string
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from leadops import llm, prompts
from leadops.grounding import unsupported_figures
from leadops.models import LLMCall
from leads.models import ActivityLog, Lead
from outreach.models import GATED_FOR_MANAGER, EmailDraft

logger = logging.getLogger(__name__)

# What a summary may point at, and the number that must not be zero for it to do so.
_TOPICS = {
    r"review queue|drafts?\b|approv": "drafts_waiting",
    r"bounce": "bounces",
    r"unsubscri": "unsubscribes",
    r"fail": "failed_sends",
    r"defer|quota|send window": "deferred_sends",
    r"repl(y|ies)": "replies",
    r"interested": "interested_replies",
    r"hot lead": "new_hot_leads",
}


@dataclass
class Briefing:
    since: datetime
    until: datetime
    new_hot_leads: int
    drafts_waiting: int
    drafts_waiting_for_manager: int
    deferred_sends: int
    replies: int
    interested_replies: int
    sends: int
    bounces: int
    unsubscribes: int
    failed_sends: int


class BriefingSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", title="briefing_summary")

    summary: str = Field(min_length=10, max_length=600)


def llm_summary(briefing: Briefing) -> str:
    """The LLM's opening lines, or "" when it is off or fails (the numbers speak for themselves)."""

    if not llm.enabled():
        return ""
    numbers = {key: value for key, value in asdict(briefing).items() if isinstance(value, int)}
    try:
        result = llm.call("briefing_summary", prompts.latest("briefing_summary"), numbers, BriefingSummary)
    except llm.LLMError as error:
        logger.warning("Briefing summary not written by the LLM: %s", error)
        if error.record is not None:
            LLMCall.store(error.record)
        return ""
    summary = result.value.summary.strip()
    unsupported = unsupported_claims(summary, numbers)
    if unsupported:
        result.record.error = f"left out: {'; '.join(unsupported)}"
        logger.warning("Briefing summary %s", result.record.error)
    LLMCall.store(result.record)
    return "" if unsupported else summary


def unsupported_claims(summary: str, numbers: dict[str, int]) -> list[str]:
    """What the summary says that yesterday's numbers do not back: a topic whose count is 0, a figure not given."""
    lowered = summary.lower()
    claims = [f"mentions {name.replace('_', ' ')} but there were none" for pattern, name in _TOPICS.items()
              if re.search(pattern, lowered) and not numbers.get(name)]
    claims += [f"gives {figure}, which is none of the numbers"
               for figure in unsupported_figures(summary, numbers.values())]
    return claims


def build(now: datetime | None = None, days: int = 1) -> Briefing:
    """The team's numbers for the `days` before `now` (the drafts waiting are counted as they stand now)."""
    until = now or timezone.now()
    since = until - timedelta(days=days)
    waiting = EmailDraft.objects.filter(state=EmailDraft.State.DRAFT)
    recent = ActivityLog.objects.filter(created_at__gt=since, created_at__lte=until)
    replies = recent.filter(type=ActivityLog.Type.REPLY_RECEIVED)
    return Briefing(
        since=since, until=until,
        new_hot_leads=Lead.objects.filter(score_label=Lead.Label.HOT, created_at__gt=since,
                                          created_at__lte=until).count(),
        drafts_waiting=waiting.count(),
        drafts_waiting_for_manager=waiting.filter(GATED_FOR_MANAGER).count(),
        deferred_sends=EmailDraft.objects.filter(state=EmailDraft.State.APPROVED, send_after__gt=until).count(),
        replies=replies.count(),
        interested_replies=replies.filter(payload__classification="interested").count(),
        sends=EmailDraft.objects.filter(sent_at__gt=since, sent_at__lte=until).count(),
        bounces=recent.filter(type=ActivityLog.Type.BOUNCED).count(),
        unsubscribes=recent.filter(type=ActivityLog.Type.UNSUBSCRIBED).count(),
        failed_sends=EmailDraft.objects.filter(state=EmailDraft.State.FAILED, updated_at__gt=since).count(),
    )


@dataclass
class OwnBriefing:
    """One user's own leads and queue: what the "Your leads and your queue" section says."""

    new_leads: int
    new_hot_leads: int
    open_leads: int
    drafts_waiting: int
    replies: int
    interested_replies: int


def build_for(user: AbstractBaseUser, since: datetime, until: datetime) -> OwnBriefing:
    """`user`'s leads (Lead.owner): new ones in the period, those still open, their drafts waiting, their replies."""
    leads = Lead.objects.filter(owner=user)
    new = leads.filter(created_at__gt=since, created_at__lte=until)
    replies = ActivityLog.objects.filter(lead__owner=user, type=ActivityLog.Type.REPLY_RECEIVED,
                                         created_at__gt=since, created_at__lte=until)
    return OwnBriefing(
        new_leads=new.count(),
        new_hot_leads=new.filter(score_label=Lead.Label.HOT).count(),
        open_leads=leads.exclude(status__in=Lead.FINISHED_STATUSES).count(),
        drafts_waiting=EmailDraft.objects.filter(lead__owner=user, state=EmailDraft.State.DRAFT).count(),
        replies=replies.count(),
        interested_replies=replies.filter(payload__classification="interested").count(),
    )


def team_section(user: AbstractBaseUser, since: datetime, until: datetime) -> str:
    """The team's numbers, opened by the LLM's summary when it is on and its summary holds up."""
    numbers = build(until, days=max((until - since).days, 1))
    return render_to_string("emails/briefing.txt", {**asdict(numbers), "summary": llm_summary(numbers)})


def own_section(user: AbstractBaseUser, since: datetime, until: datetime) -> str:
    return render_to_string("emails/own_briefing.txt", asdict(build_for(user, since, until)))
