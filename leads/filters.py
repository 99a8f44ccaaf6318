"""Which leads a list shows: the filter state of the dashboard (and of the export and the API), read from a
query string and turned into a queryset.

Every filter is one the lead table's indexes serve (see the indexes on `Lead`), so a filtered list stays a
few index reads at a million leads.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date

from leads.models import Lead

# Creation dates the filters accept.
FIRST_YEAR, LAST_YEAR = 1900, 9998
# URL value -> (label, descending?, the ordered expression the keyset walks)
SORTS: dict[str, tuple[str, bool, str]] = {
    "newest": ("Newest first", True, "created_at"),
    "oldest": ("Oldest first", False, "created_at"),
    "score": ("Highest score", True, "score"),
    "score_low": ("Lowest score", False, "score"),
}



@dataclass
class LeadFilters:
    """The dashboard's filter state, parsed from (and written back to) the URL query string."""

    status: str = ""
    label: str = ""
    source: str = ""
    owner: str = ""
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    search: str = ""
    sort: str = "newest"
    after: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, query: QueryDict) -> "LeadFilters":
        filters = cls()
        for name, choices in (("status", Lead.Status), ("label", Lead.Label), ("source", Lead.Source)):
            value = query.get(name, "").strip()
            if value and value not in choices.values:
                filters.errors[name] = f"Unknown {name} '{value}'"
            elif value:
                setattr(filters, name, value)
        owner = query.get("owner", "").strip()
        # ASCII digits that fit a user id: "²" passes isdigit() but not int(), and a 25-digit id overflows the query.
        if owner in ("me", "none") or (owner.isascii() and owner.isdigit() and len(owner) <= 18):
            filters.owner = owner
        elif owner:
            filters.errors["owner"] = f"Unknown owner '{owner}'"
        for name in ("created_from", "created_to"):
            raw = query.get(name, "").strip()
            if raw:
                try:
                    parsed = parse_date(raw)
                except ValueError:  # shaped like a date, but no such day: 2026-13-01, 2026-02-30
                    parsed = None
                if parsed is None:
                    filters.errors[name] = f"'{raw}' is not a date like 2026-01-31"
                elif not FIRST_YEAR <= parsed.year <= LAST_YEAR:
                    # The range is built from local midnights and the next day: year 1 or 9999 cannot be.
                    filters.errors[name] = f"'{raw}' is not a year from {FIRST_YEAR} to {LAST_YEAR}"
                    parsed = None
                setattr(filters, name, parsed)
        # PostgreSQL refuses text with NUL characters; nobody searches for one.
        filters.search = query.get("q", "").replace("\x00", "").strip()[:100]
        sort = query.get("sort", "newest")
        filters.sort = sort if sort in SORTS else "newest"
        filters.after = query.get("after", "")[:200]
        return filters

    def query_string(self, **changes: Any) -> str:
        """The URL query for these filters, with some values changed (e.g. sort, after)."""
        values = {
            "q": self.search, "status": self.status, "label": self.label, "source": self.source,
            "owner": self.owner, "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
            "sort": "" if self.sort == "newest" else self.sort,
        }
        values.update(changes)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value:
                query[key] = value
        return query.urlencode()

    def export_query(self) -> str:
        """The filters without paging or sorting: what the CSV export needs."""
        return self.query_string(sort="", after="")

    def cache_key(self) -> str:
        return self.export_query() or "all"


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered_leads(filters: LeadFilters, user: User) -> QuerySet[Lead]:
    leads = Lead.objects.all()
    if filters.status:
        leads = leads.filter(status=filters.status)
    if filters.label:
        leads = leads.filter(score_label=filters.label)
    if filters.source:
        leads = leads.filter(source=filters.source)
    if filters.owner == "me":
        leads = leads.filter(owner=user)
    elif filters.owner == "none":
        leads = leads.filter(owner__isnull=True)
    elif filters.owner:
        leads = leads.filter(owner_id=int(filters.owner))
    # Whole local days as a created_at range: the newest-first index serves it; a __date lookup would not.
    if filters.created_from:
        leads = leads.filter(created_at__gte=_start_of_day(filters.created_from))
    if filters.created_to:
        leads = leads.filter(created_at__lt=_start_of_day(filters.created_to + datetime.timedelta(days=1)))
    if filters.search:
        # Prefix matches only: they use the search indexes (migration 0003); "contains" reads every lead.
        term = filters.search
        email_match = Q(email__startswith=term.lower())
        if "@" in term:
            leads = leads.filter(email_match)
        else:
            words = term.split()
            name_match = Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
            if len(words) > 1:
                name_match |= Q(first_name__istartswith=words[0], last_name__istartswith=words[-1])
            leads = leads.filter(name_match | email_match | Q(company_name__istartswith=term))
    return leads
