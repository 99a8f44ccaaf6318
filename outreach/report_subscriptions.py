"""Scheduled report emails: each user chooses the sections of a daily or weekly email and the hour it comes.

`SECTIONS` names every section (key -> label). This app writes the two briefing sections (outreach.briefing);
the report sections (agent performance, sequences, funnel, system health) read apps above this one, so the app
that builds those reports registers their writers with `register_writer` when it starts (console.apps), and a
section nobody wrote is left out of the email rather than sent empty.

Managers may subscribe to every section; a rep only to their own leads and queue (`sections_for`).
Beat calls `send_due` every few minutes (outreach.tasks.send_due_reports). A subscription's slot is the last
time its hour came round in its own time zone (on its weekday, for a weekly one); it is due when that slot is
later than both its last email and its creation, so a new subscription waits for its first hour, and a beat
that was down catches up with one email, not several. The claim is a conditional UPDATE of `last_sent_at`,
so two beats sending at once send each email once.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from leadops import mail
from leadops.roles import is_manager
from outreach import briefing
from outreach.models import ReportSubscription

logger = logging.getLogger(__name__)

OWN_WORK = "own_work"
SECTIONS: dict[str, str] = {
    OWN_WORK: "Your leads and your queue",
    "team": "The team's numbers",
    "agent_performance": "Agent performance",
    "sequences": "Sequences",
    "funnel": "Funnel and sources",
    "system_health": "System health",
}
# What a rep may put in their own email: the team's figures are a manager's.
REP_SECTIONS = (OWN_WORK,)
DEFAULT_SECTIONS = [OWN_WORK, "team"]

# A writer returns a section's text for one user and period.
Writer = Callable[[AbstractBaseUser, datetime, datetime], str]
_writers: dict[str, Writer] = {OWN_WORK: briefing.own_section, "team": briefing.team_section}

PERIODS = {ReportSubscription.Cadence.DAILY: timedelta(days=1), ReportSubscription.Cadence.WEEKLY: timedelta(days=7)}


def register_writer(key: str, writer: Writer) -> None:
    """Let an app above this one write a section of SECTIONS (console registers the reports' summaries)."""
    if key not in SECTIONS:
        raise ValueError(f"{key!r} is not a report section ({', '.join(SECTIONS)})")
    _writers[key] = writer


def sections_for(user: AbstractBaseUser) -> dict[str, str]:
    """The sections `user` may choose: all of them for a manager, their own work for a rep."""
    if is_manager(user):
        return dict(SECTIONS)
    return {key: SECTIONS[key] for key in REP_SECTIONS}


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"timezone": f"Time zone: {name!r} is not a time zone name such as Europe/Berlin."}) \
            from error


def subscribe(user: AbstractBaseUser, *, sections: list[str], cadence: str, hour: int, weekday: int | None = None,
              timezone_name: str = settings.TIME_ZONE, enabled: bool = True) -> ReportSubscription:
    """Create or change `user`'s daily or weekly email; ValidationError names the field and value it refuses."""
    allowed = sections_for(user)
    errors: dict[str, str] = {}
    unknown = [key for key in sections if key not in allowed]
    if unknown:
        labels = ", ".join(SECTIONS.get(key, repr(key)) for key in unknown)
        choices = ", ".join(allowed.values())
        errors["sections"] = f"Sections: {labels} cannot be in your email (you may choose {choices})."
    elif not sections:
        errors["sections"] = "Sections: choose at least one section."
    if cadence not in ReportSubscription.Cadence.values:
        errors["cadence"] = f"How often: {cadence!r} is neither daily nor weekly."
    if not 0 <= hour <= 23:
        errors["hour"] = f"Hour: {hour} is not an hour of the day (0 to 23)."
    if cadence == ReportSubscription.Cadence.WEEKLY and (weekday is None or not 0 <= weekday <= 6):
        errors["weekday"] = f"Day of the week: {weekday!r} is not a day (a weekly email needs Monday to Sunday)."
    try:
        _zone(timezone_name)
    except ValidationError as error:
        errors.update({field: messages[0] for field, messages in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    subscription, _ = ReportSubscription.objects.update_or_create(
        user=user, cadence=cadence,
        defaults={"sections": list(dict.fromkeys(sections)), "hour": hour, "enabled": enabled,
                  "weekday": weekday if cadence == ReportSubscription.Cadence.WEEKLY else None,
                  "timezone": timezone_name},
    )
    return subscription


def slot(subscription: ReportSubscription, now: datetime) -> datetime:
    """The last time at or before `now` when this subscription's email was meant to go out."""
    local = now.astimezone(_zone(subscription.timezone))
    start = local.replace(hour=subscription.hour, minute=0, second=0, microsecond=0)
    if subscription.cadence == ReportSubscription.Cadence.WEEKLY:
        start -= timedelta(days=(local.weekday() - (subscription.weekday or 0)) % 7)
        if start > local:
            start -= timedelta(days=7)
    elif start > local:
        start -= timedelta(days=1)
    return start


def due(now: datetime | None = None) -> QuerySet[ReportSubscription]:
    """Enabled subscriptions of active users with an address whose slot has come since their last email."""
    now = now or timezone.now()
    candidates = ReportSubscription.objects.filter(enabled=True, user__is_active=True).exclude(user__email="")
    due_ids = [subscription.pk for subscription in candidates
               if slot(subscription, now) > max(subscription.last_sent_at or subscription.created_at,
                                                 subscription.created_at)]
    return ReportSubscription.objects.filter(pk__in=due_ids).select_related("user")


def _link(name: str) -> str:
    try:
        return settings.SITE_URL + reverse(name)
    except NoReverseMatch:  # the door that draws the page is not installed (a worker-only deployment)
        return settings.SITE_URL


def render(subscription: ReportSubscription, now: datetime) -> EmailMessage:
    """The email for one subscription: the period it covers and each chosen section its writer wrote."""
    since = now - PERIODS[subscription.cadence]
    allowed = sections_for(subscription.user)
    sections = [{"label": SECTIONS[key], "text": _writers[key](subscription.user, since, now).rstrip()}
                for key in subscription.sections if key in allowed and key in _writers]
    cadence = subscription.get_cadence_display().lower()
    body = render_to_string("emails/report.txt", {
        "cadence": cadence, "since": since, "until": now, "sections": sections,
        "site_url": _link("leads:dashboard"), "subscriptions_url": _link("reports:subscriptions"),
    })
    local = now.astimezone(_zone(subscription.timezone))
    return EmailMessage(subject=f"LeadOps {cadence} report, {local:%a %d %b}", body=body,
                        from_email=settings.DEFAULT_FROM_EMAIL, to=[subscription.user.email])


def send_due(now: datetime | None = None) -> int:
    """Send every due email once (claimed by a conditional UPDATE); returns how many went out."""
    now = now or timezone.now()
    sent = 0
    for subscription in due(now):
        claimed = ReportSubscription.objects.filter(pk=subscription.pk).filter(
            Q(last_sent_at__isnull=True) | Q(last_sent_at__lt=slot(subscription, now))
        ).update(last_sent_at=now)
        if not claimed:
            continue
        message = render(subscription, now)
        try:
            delivered = mail.deliver(message)
        except (smtplib.SMTPException, OSError) as error:
            # Given back, so the next beat tries this slot again.
            ReportSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=subscription.last_sent_at)
            logger.warning("Scheduled report to %s not sent: %s", subscription.user.email, error)
            continue
        if delivered == mail.MOCK:
            logger.info("Scheduled report (mock mode, not sent) to %s:\n%s", subscription.user.email, message.body)
        sent += 1
    return sent
