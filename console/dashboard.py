"""What the dashboard shows: the filtered, keyset-paginated leads table and cached KPIs and charts.

At a million leads a COUNT or a GROUP BY over the table costs 100+ ms, so KPIs, charts and
per-filter counts are cached for at most `leadops.cache.FRESH_SECONDS` (`leadops.cache.cached`, which the
API shares). A person's own change must show at once, so the services that change leads announce
`leads.signals.leads_changed`, on which `leadops.cache.invalidate()` bumps a version that is part of every
cache key.
The table itself is never cached: keyset pages read ~50 index entries.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from console import lead_rows
from console.lead_rows import Row
from leadops.cache import cached
from leadops.roles import MANAGER, REP
from leads import next_steps
from leads.assignment import person_name
from leads.filters import LeadFilters, filtered_leads, keyset_page
from leads.models import Lead
from leads.outcomes import conversion_by_label
from outreach.models import GATED_FOR_MANAGER, EmailDraft
from scoring.models import ScoringConfig

PAGE_SIZE = 50

ROW_FIELDS = ("id", "first_name", "last_name", "email", "company_name", "status", "score_label", "score_value",
              "score_probability", "score_version", "recommended_action", "needs_approval", "approval_reason", "source",
              "owner__username", "owner__first_name", "owner__last_name", "created_at")
_STATUS_LABELS = dict(Lead.Status.choices)
_SOURCE_LABELS = dict(Lead.Source.choices)


def score_text(value: int | None, probability: float | None) -> str:
    """A learned version's score is a chance to convert in percent; a rules version's is points."""
    if value is None:
        return ""
    return f"{value} %" if probability is not None else f"{value} pts"


def _owner_name(values: dict[str, Any]) -> str:
    """The owner as `person_name` says it, from the row's values (no user object per row)."""
    full = f"{values['owner__first_name'] or ''} {values['owner__last_name'] or ''}".strip()
    return full or values["owner__username"] or ""


def _row(values: dict[str, Any], detail_url: str) -> Row:
    name = f"{values['first_name']} {values['last_name']}".strip()
    return Row(
        id=values["id"], url=detail_url.replace(str(uuid.UUID(int=0)), str(values["id"])),
        name=name or values["email"] or "(no name)", email=values["email"] if name else "",
        company=values["company_name"], status=values["status"],
        status_label=_STATUS_LABELS.get(values["status"], values["status"]), label=values["score_label"],
        score=values["score_value"],
        score_text=score_text(values["score_value"], values["score_probability"]),
        score_version=values["score_version"],
        action_label=next_steps.label(values["status"], values["recommended_action"]),
        gated=values["needs_approval"], approval_reason=values["approval_reason"],
        source_label=_SOURCE_LABELS.get(values["source"], values["source"]), owner=_owner_name(values),
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
    def rows_html(self) -> SafeString:
        return lead_rows.rows_html(self.leads)

    @property
    def first_index(self) -> int:
        """The position of the page's first lead in the whole list (1-based), for "leads 51-100 of N"."""
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.leads) - 1


def page_of_leads(filters: LeadFilters, user: User, matching: int | None = None) -> Page:
    """One page of the table by keyset (`leads.filters.keyset_page`, which the API pages with too)."""
    page = keyset_page(filters, user, ROW_FIELDS, size=PAGE_SIZE, matching=matching)
    detail_url = reverse("leads:detail", args=[uuid.UUID(int=0)])
    number = 1 if page.is_first else max(filters.page_number, 2)
    return Page(leads=[_row(row, detail_url) for row in page.rows], next_cursor=page.next_cursor,
                is_first=page.is_first, previous_cursor=page.previous_cursor, number=number)




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
    """Reps and managers by name, for the owner filter and the assign forms (every lead page shows them).

    Kept with the cached numbers; a change to a user or their groups drops the cache (console.apps).
    """
    return cached("owner-choices", _owner_choices)


def _owner_choices() -> list[tuple[int, str]]:
    people = User.objects.filter(groups__name__in=(REP, MANAGER), is_active=True).distinct()
    return sorted(((user.pk, person_name(user)) for user in people), key=lambda choice: choice[1].lower())
