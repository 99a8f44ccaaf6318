"""The daily briefing email to managers: what happened in the last day, in plain numbers.

The numbers are always there. When the LLM is on, a two- or three-sentence summary written from
those numbers alone (no lead data is sent) opens the email; if the call fails, or the summary points
at something its numbers do not show (the review queue when no draft waits, a figure that is not one
of them), the email goes out with the numbers only. It goes out through the same mode as lead emails
(mock: logged, never sent), once per day even if beat fires twice (a cache key taken with `add`).
"""

import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from leadops import llm, mail, prompts
from leadops.models import LLMCall
from leadops.roles import MANAGER
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
    given = {str(value) for value in numbers.values()}
    claims += [f"gives {figure}, which is none of the numbers" for figure in re.findall(r"\d+", summary)
               if figure not in given]
    return claims


def build(now: datetime | None = None) -> Briefing:
    until = now or timezone.now()
    since = until - timedelta(days=1)
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


def recipients() -> list[str]:
    users = get_user_model().objects.filter(Q(groups__name=MANAGER) | Q(is_superuser=True), is_active=True)
    return sorted({user.email for user in users.exclude(email="")})


def send_briefing(now: datetime | None = None) -> int:
    """Email the briefing to every manager with an address; returns how many it went to."""
    briefing = build(now)
    to = recipients()
    if not to or not cache.add(f"outreach:briefing:{briefing.until:%Y-%m-%d}", True, timeout=36 * 3600):
        return 0
    body = render_to_string("emails/briefing.txt", {**asdict(briefing), "summary": llm_summary(briefing),
                                                    "dashboard_url": settings.SITE_URL + reverse("leads:dashboard")})
    message = EmailMessage(subject=f"LeadOps daily briefing, {briefing.until:%a %d %b}", body=body,
                           from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    if mail.deliver(message) == mail.MOCK:
        logger.info("Daily briefing (mock mode, not sent) to %s:\n%s", ", ".join(to), body)
    return len(to)
