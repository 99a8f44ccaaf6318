"""Send quotas and the send window: when may the next email to this address go out?

Quotas (all run-time settings): per sending mailbox per minute and per day, per contact per week,
per recipient domain per day; and on top of those each Mailbox's own caps per hour and per day
(`Mailbox.per_hour_cap`, `per_day_cap`). They are rolling windows counted from the outbox itself (rows
claimed for sending or sent), so there is no counter to drift out of step with what went out.

No overshoot under concurrent workers: `sending` checks the quotas and claims the row while
holding the mailbox lock (`locks.hold_mailbox_lock`), so two workers can never both see "29 of 30
this minute" and both send. The lock is held for the claim only, never during SMTP delivery.
"""

import functools
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.db.models import QuerySet
from django.utils import timezone

from leadops import runtime
from leads.time_zones import zone_of
from outreach.models import EmailDraft, Mailbox

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COUNTED_STATES = (EmailDraft.State.SENDING, EmailDraft.State.SENT)
# How a draft held by the send window alone says so (EmailDraft.deferred_reason starts with it).
OUTSIDE_WINDOW = "Outside the send window"


@dataclass(frozen=True)
class Deferral:
    """The next time a send is allowed, and why it cannot go now (shown on the draft)."""

    until: datetime
    reason: str


def check(to_email: str, lead_id: Any, now: datetime, mailbox: Mailbox | None = None, *,
          within_window: bool = True, window: "Window | None" = None) -> Deferral | None:
    """None if an email to this lead at `to_email` may be claimed now (from `mailbox`, when it goes out from
    one); otherwise when it may, and why.

    `window`: the recipient's (`Window.for_lead`); the team's window when not given.
    `within_window=False`: a manager asked for it to go now (`approval.send_now`); the quotas still hold it.
    """
    window = window or Window.current()
    deferrals = [deferral for deferral in _quota_deferrals(to_email.strip().lower(), lead_id, now) if deferral]
    if mailbox is not None:
        deferrals += [deferral for deferral in _mailbox_deferrals(mailbox, now) if deferral]
    if deferrals:
        latest = max(deferrals, key=lambda deferral: deferral.until)
        return Deferral(window.next_opening(latest.until) if within_window else latest.until, latest.reason)
    if within_window and not window.contains(now):
        return Deferral(window.next_opening(now), window_reason(window))
    return None


def window_reason(window: "Window") -> str:
    return f"{OUTSIDE_WINDOW} ({window})"


def refresh_window_holds(now: datetime) -> int:
    """Approved emails held only by the send window follow the window as it is now; returns how many it released.

    A draft held until the window's next opening keeps that time and its reason ("Outside the send window
    (mon,tue 08:00-18:00 Asia/Tokyo)") from when it was checked. When a manager widens or moves the window, the
    held drafts are released if their recipient's window is open now, or re-timed and re-worded if it is still
    closed, so the next beat tick of the outbox (`outreach.tasks.send_due_drafts`) sends them when they may go,
    and no page shows an old window. Each recipient's window is worked out once per zone and country.
    """
    held = EmailDraft.objects.filter(state=EmailDraft.State.APPROVED, send_after__gt=now,
                                     deferred_reason__startswith=OUTSIDE_WINDOW)
    recipients = held.values_list("lead__time_zone", "lead__country", "lead__company__country").distinct()
    released = 0
    for time_zone, country, company_country in recipients:
        window = Window.for_recipient(time_zone, country or company_country or "")
        theirs = held.filter(lead__time_zone=time_zone, lead__country=country)
        theirs = theirs.filter(lead__company__country=company_country) if company_country is not None else \
            theirs.filter(lead__company__isnull=True)
        if window.contains(now):
            released += theirs.update(send_after=now, updated_at=now)
            continue
        opening, reason = window.next_opening(now), window_reason(window)
        theirs.exclude(send_after=opening, deferred_reason=reason).update(send_after=opening, deferred_reason=reason,
                                                                          updated_at=now)
    return released


def _quota_deferrals(to_email: str, lead_id: Any, now: datetime) -> list[Deferral | None]:
    domain = to_email.rpartition("@")[2]
    claimed = EmailDraft.objects.filter(state__in=COUNTED_STATES)
    minute, day, week = timedelta(minutes=1), timedelta(days=1), timedelta(days=7)
    return [
        _over(claimed, now, minute, runtime.get("SEND_PER_MINUTE"), "mailbox quota: {limit} per minute"),
        _over(claimed, now, day, runtime.get("SEND_PER_DAY"), "mailbox quota: {limit} per day"),
        # The contact is the lead (one lead per address); its index keeps a week's scan small.
        _over(claimed.filter(lead_id=lead_id), now, week, runtime.get("SEND_PER_CONTACT_PER_WEEK"),
              "contact quota: {limit} per week to " + to_email),
        _over(claimed.filter(to_email__endswith="@" + domain), now, day, runtime.get("SEND_PER_DOMAIN_PER_DAY"),
              "domain quota: {limit} per day to @" + domain),
    ]


def _mailbox_deferrals(mailbox: Mailbox, now: datetime) -> list[Deferral | None]:
    claimed = EmailDraft.objects.filter(state__in=COUNTED_STATES, mailbox=mailbox)
    return [
        _over(claimed, now, timedelta(hours=1), mailbox.per_hour_cap, f"cap of {mailbox.name}: {{limit}} per hour"),
        _over(claimed, now, timedelta(days=1), mailbox.per_day_cap, f"cap of {mailbox.name}: {{limit}} per day"),
    ]


def mailbox_standing(mailbox: Mailbox, now: datetime | None = None) -> dict[str, Any]:
    """Where a mailbox stands against its caps: sent in the last hour and day, each cap, and when it may
    send again if a cap is reached (None when it may send now)."""
    now = now or timezone.now()
    claimed = EmailDraft.objects.filter(state__in=COUNTED_STATES, mailbox=mailbox)
    deferrals = [deferral for deferral in _mailbox_deferrals(mailbox, now) if deferral]
    return {
        "mailbox": mailbox.name,
        "sent_last_hour": claimed.filter(claimed_at__gt=now - timedelta(hours=1)).count(),
        "per_hour_cap": mailbox.per_hour_cap,
        "sent_last_day": claimed.filter(claimed_at__gt=now - timedelta(days=1)).count(),
        "per_day_cap": mailbox.per_day_cap,
        "next_send_at": max(deferral.until for deferral in deferrals) if deferrals else None,
        "reason": max(deferrals, key=lambda deferral: deferral.until).reason if deferrals else "",
    }


def _over(rows: QuerySet, now: datetime, period: timedelta, limit: int, reason: str) -> Deferral | None:
    """If `limit` sends already happened within `period`, the moment the oldest one ages out."""
    recent = rows.filter(claimed_at__gt=now - period).order_by("claimed_at").values_list("claimed_at", flat=True)
    count = recent.count()
    if count < limit:
        return None
    # With `count` sends in the window, one more is allowed once count - limit + 1 of them age out.
    frees_at = recent[count - limit] + period
    return Deferral(frees_at, "Over the " + reason.format(limit=limit))


@dataclass(frozen=True)
class Window:
    """The send window: weekdays and hours in a time zone (read once per check), less the public holidays of
    `country` when SEND_SKIP_HOLIDAYS is on.

    `Window.for_lead` keeps the hours in the recipient's zone (their own `time_zone`, else their country's main
    zone, `leads.time_zones`) when SEND_IN_RECIPIENT_TIMEZONE is on; SEND_TIMEZONE otherwise or when unknown.
    """

    days: tuple[str, ...]
    hours: str
    zone: ZoneInfo
    country: str = ""

    @classmethod
    def current(cls) -> "Window":
        return cls(tuple(runtime.get("SEND_WINDOW_DAYS")), str(runtime.get("SEND_WINDOW_HOURS")),
                   ZoneInfo(str(runtime.get("SEND_TIMEZONE"))))

    @classmethod
    def for_recipient(cls, time_zone: str, country: str) -> "Window":
        team = cls.current()
        zone = zone_of(time_zone, country) if runtime.get("SEND_IN_RECIPIENT_TIMEZONE") else None
        country = (country or "").upper() if runtime.get("SEND_SKIP_HOLIDAYS") else ""
        return replace(team, zone=zone or team.zone, country=country)

    @classmethod
    def for_lead(cls, lead: Any) -> "Window":
        country = lead.country
        if not country and getattr(lead, "company_id", None):
            country = lead.company.country  # read only when the lead gave no country of its own
        return cls.for_recipient(lead.time_zone, country)

    def __str__(self) -> str:
        return f"{','.join(self.days)} {self.hours} {self.zone.key}"

    @property
    def start(self) -> time:
        return time.fromisoformat(self.hours.split("-")[0].strip())

    @property
    def end(self) -> time | None:
        end = self.hours.split("-")[1].strip()
        # "24:00" means until midnight: no end within the day.
        return None if end == "24:00" else time.fromisoformat(end)

    def is_working_day(self, day: date) -> bool:
        return _WEEKDAYS[day.weekday()] in self.days and not (self.country and is_holiday(self.country, day))

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        end = self.end
        return self.is_working_day(local.date()) and self.start <= local.time() and (
            end is None or local.time() < end)

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself if it is inside the window, else the next opening of the window."""
        if self.contains(moment):
            return moment
        local_day: date = moment.astimezone(self.zone).date()
        # A week, plus room for a run of holidays (the turn of the year, Golden Week).
        for offset in range(22):
            day = local_day + timedelta(days=offset)
            opening = datetime.combine(day, self.start, tzinfo=self.zone)
            if self.is_working_day(day) and opening > moment:
                return opening
        raise ValueError(f"The send window {self} never opens")

    def after_working_days(self, moment: datetime, days: int) -> datetime:
        """The same local time `days` working days (window days, less holidays) after `moment`."""
        local = moment.astimezone(self.zone)
        day, counted = local.date(), 0
        while counted < days:
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=self.zone)


@functools.cache
def _holidays_of(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the package has no calendar for: no holidays known
        return frozenset()


def is_holiday(country: str, day: date) -> bool:
    """A public holiday in `country` (ISO-2) on `day`, by the `holidays` package."""
    return day in _holidays_of(country, day.year)


@dataclass(frozen=True)
class Standing:
    """Where a contact stands against its quota: what was sent in the period, the cap, and when one more may go."""

    sent: int
    limit: int
    period: str
    next_send_at: datetime | None
    reason: str

    @property
    def may_send_now(self) -> bool:
        return self.next_send_at is None


def contact_standing(to_email: str, lead_id: Any, now: datetime) -> Standing:
    """The contact quota (SEND_PER_CONTACT_PER_WEEK) for this lead, with `check`'s answer for a send now."""
    week = timedelta(days=7)
    sent = EmailDraft.objects.filter(state__in=COUNTED_STATES, lead_id=lead_id, claimed_at__gt=now - week).count()
    deferral = check(to_email, lead_id, now) if to_email else None
    return Standing(sent=sent, limit=runtime.get("SEND_PER_CONTACT_PER_WEEK"), period="week",
                    next_send_at=deferral.until if deferral else None, reason=deferral.reason if deferral else "")
