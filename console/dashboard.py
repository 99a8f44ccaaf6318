"""What the dashboard shows: the filtered, keyset-paginated leads table and cached KPIs and charts.

At a million leads a COUNT or a GROUP BY over the table costs 100+ ms, so KPIs, charts and
per-filter counts are cached for at most `FRESH_SECONDS`. A person's own change must show at
once, so the services that change leads announce `leads.signals.leads_changed`, on which
`invalidate()` bumps a version that is part of every cache key.
The table itself is never cached: keyset pages read ~50 index entries.
"""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone

from leadops.roles import MANAGER, REP
from leads.filters import LeadFilters, filtered_leads, keyset_page
from leads.models import Lead
from leads.outcomes import conversion_by_label
from outreach.models import GATED_FOR_MANAGER, EmailDraft
from scoring.models import ScoringConfig

PAGE_SIZE = 50
# Cached numbers are recomputed after this long; a stale copy is served meanwhile (see cached).
FRESH_SECONDS = 25
_VERSION_KEY = "leadops:dashboard:version"

@dataclass
class Row:
    """One table row, ready to print: the table shows 50 of these on every dashboard view, and
    building them from plain values costs a fraction of full Lead instances with their 40 fields."""

    id: uuid.UUID
    url: str
    name: str
    email: str
    company: str
    status: str
    status_label: str
    label: str
    score: int | None
    # The score on its version's scale ("25 %" learned, "43 pts" rules) and the version that gave it.
    score_text: str
    score_version: int | None
    action_label: str
    gated: bool
    approval_reason: str
    source_label: str
    owner: str
    created_at: datetime.datetime
    created: str


ROW_FIELDS = ("id", "first_name", "last_name", "email", "company_name", "status", "score_label", "score_value",
              "score_probability", "score_version",
              "recommended_action", "needs_approval", "approval_reason", "source", "owner__username", "created_at")
_STATUS_LABELS = dict(Lead.Status.choices)
_ACTION_LABELS = dict(Lead.Action.choices)
_SOURCE_LABELS = dict(Lead.Source.choices)


def score_text(value: int | None, probability: float | None) -> str:
    """A learned version's score is a chance to convert in percent; a rules version's is points."""
    if value is None:
        return ""
    return f"{value} %" if probability is not None else f"{value} pts"


def _row(values: dict[str, Any], detail_url: str) -> Row:
    name = f"{values['first_name']} {values['last_name']}".strip()
    return Row(
        id=values["id"], url=detail_url.replace(str(uuid.UUID(int=0)), str(values["id"])),
        name=name or values["email"] or "(no name)", email=values["email"] if name else "",
        company=values["company_name"], status=values["status"],
        status_label=_STATUS_LABELS.get(values["status"], values["status"]), label=values["score_label"],
        score=values["score_value"],
        score_text=score_text(values["score_value"], values["score_probability"]),
        score_version=values["score_version"], action_label=_ACTION_LABELS.get(values["recommended_action"], "")
        if values["status"] in Lead.ACTION_STATUSES else "",
        gated=values["needs_approval"], approval_reason=values["approval_reason"],
        source_label=_SOURCE_LABELS.get(values["source"], values["source"]), owner=values["owner__username"] or "",
        created_at=values["created_at"], created=timezone.localtime(values["created_at"]).strftime("%Y-%m-%d %H:%M"),
    )


@dataclass
class Page:
    leads: list[Row]
    next_cursor: str
    is_first: bool
    previous_cursor: str = ""
    number: int = 1

    @property
    def first_index(self) -> int:
        """The position of the page's first lead in the whole list (1-based), for "leads 51-100 of N"."""
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.leads) - 1


def page_of_leads(filters: LeadFilters, user: User, matching: int = 0) -> Page:
    """One page of the table by keyset (`leads.filters.keyset_page`, which the API pages with too)."""
    page = keyset_page(filters, user, ROW_FIELDS, size=PAGE_SIZE, matching=matching)
    detail_url = reverse("leads:detail", args=[uuid.UUID(int=0)])
    number = 1 if page.is_first else max(filters.page_number, 2)
    return Page(leads=[_row(row, detail_url) for row in page.rows], next_cursor=page.next_cursor,
                is_first=page.is_first, previous_cursor=page.previous_cursor, number=number)


# --- Cached numbers -------------------------------------------------------------------------------


def invalidate() -> None:
    """Drop every cached number, so the next page shows the lead base as it is now."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)


def on_leads_changed(**_kwargs: object) -> None:
    """`leads.signals.leads_changed`: a service changed leads or drafts; a person's next page shows it."""
    invalidate()


def version() -> int:
    """The cache generation; a view reads it once and passes it to each `cached` call."""
    current = cache.get(_VERSION_KEY)
    if current is None:
        cache.add(_VERSION_KEY, 1, timeout=None)
        current = cache.get(_VERSION_KEY, 1)
    return int(current)


def cached(name: str, compute: Callable[[], Any], generation: int | None = None) -> Any:
    """Serve a cached value; past FRESH_SECONDS one request recomputes while others get the old one.

    Without this, eight clients whose cache expires together would all run the same 200 ms
    aggregate at once. A stale copy is at most FRESH_SECONDS plus one recompute old.
    """
    key = f"leadops:dashboard:{generation if generation is not None else version()}:{name}"
    entry = cache.get(key)
    now = timezone.now().timestamp()
    if entry is not None and (entry["at"] + FRESH_SECONDS > now or not cache.add(f"{key}:lock", 1, timeout=30)):
        return entry["value"]
    try:
        value = compute()
        cache.set(key, {"value": value, "at": now}, timeout=FRESH_SECONDS * 20)
    finally:
        cache.delete(f"{key}:lock")
    return value


def compute_kpis() -> dict[str, Any]:
    by_status: dict[str, int] = {}
    by_label: dict[str, int] = {}
    histogram: list[dict[str, int]] = [{} for _ in range(10)]  # per score decile: leads by label
    # One pass over the table for the funnel, the labels and the score histogram (a few hundred groups).
    # The histogram counts only the leads the active version scored: points and learned percentages on one
    # axis would put HOT 25 % beside COLD 43 points.
    active = ScoringConfig.objects.filter(is_active=True).values_list("version", flat=True).first()
    grouped = Lead.objects.order_by().values("status", "score_label", "score_version", bucket=F("score_value") / 10)
    histogram_leads = 0
    for row in grouped.annotate(n=Count("*")):
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_label[row["score_label"]] = by_label.get(row["score_label"], 0) + row["n"]
        if row["bucket"] is not None and row["score_version"] == active:
            histogram_leads += row["n"]
            column = histogram[min(int(row["bucket"]), 9)]
            column[row["score_label"]] = column.get(row["score_label"], 0) + row["n"]
    conversion = conversion_by_label()
    return {
        "total": sum(by_status.values()),
        "labels": {label.value: by_label.get(label.value, 0) for label in Lead.Label},
        "unscored": by_label.get("", 0),
        # Leads in CONTACTED only, like the figure's link (?status=CONTACTED) and its neighbours, which each
        # count one status; the funnel shows how many went further.
        "contacted": by_status.get(Lead.Status.CONTACTED, 0),
        "meetings": by_status.get(Lead.Status.MEETING_BOOKED, 0),
        "won": by_status.get(Lead.Status.CLOSED_WON, 0),
        "drafts_waiting": EmailDraft.objects.filter(state=EmailDraft.State.DRAFT).count(),
        # The review queue hides these from reps: the figure says how many of the waiting ones they are.
        "drafts_for_manager": EmailDraft.objects.filter(GATED_FOR_MANAGER, state=EmailDraft.State.DRAFT).count(),
        "funnel": [{"status": status.value, "label": status.label, "count": by_status.get(status.value, 0)}
                   for status in Lead.Status],
        "histogram": histogram,
        "histogram_version": active,
        "histogram_leads": histogram_leads,
        "histogram_learned": bool(active) and Lead.objects.filter(
            score_version=active, score_probability__isnull=False).exists(),
        "conversion": conversion,
    }


def matching_count(filters: LeadFilters, user: User, generation: int | None = None) -> int:
    """How many leads match the filters (cached per filter set; "me" is per user)."""
    scope = f"count:{user.pk if filters.owner == 'me' else ''}:{filters.cache_key()}"
    return cached(scope, lambda: filtered_leads(filters, user).count(), generation)


def owner_choices() -> list[tuple[int, str]]:
    return list(
        User.objects.filter(groups__name__in=(REP, MANAGER)).distinct().order_by("username")
        .values_list("pk", "username")
    )
