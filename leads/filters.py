"""Which leads a list shows: the filter state of the dashboard (and of the export and the API), read from a
query string and turned into a queryset.

Every filter is one the lead table's indexes serve (see the indexes on `Lead`), so a filtered list stays a
few index reads at a million leads.
"""

import base64
import datetime
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import connections
from django.db.models import BooleanField, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.db.models.lookups import Contains, IContains
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from leadops.cache import cached
from leads.models import SCORE_SORT, Lead, score_sort_key

# Creation dates the filters accept.
FIRST_YEAR, LAST_YEAR = 1900, 9998
# URL value -> (label, descending?, the ordered expression the keyset walks)
SORTS: dict[str, tuple[str, bool, str]] = {
    "newest": ("Newest first", True, "created_at"),
    "oldest": ("Oldest first", False, "created_at"),
    "score": ("Highest score", True, "score"),
    "score_low": ("Lowest score", False, "score"),
}
# Status filter values beside the statuses themselves: the leads still being worked, and every lead.
OPEN, ALL = "open", "all"
STATUS_GROUPS = {OPEN: "Open leads (not closed or disqualified)", ALL: "Every status"}
# A search in date order looks for its page among this many leads first (see _searched_ids): a term that
# matches 1 lead in 400 or more fills a page of 50 there.
SEARCH_WINDOW = 20_000
# Reading one match from the table and sorting it costs about as much as testing this many leads in the
# window's index-only walk: a term with fewer matches than SEARCH_WINDOW // MATCH_COST skips the window.
MATCH_COST = 10
# pg_trgm indexes text in runs of three characters: shorter text gives its index nothing to look up.
TRIGRAM = 3



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
    before: str = ""
    # Which page of the list this is, as the links that led here counted it: shown, never queried.
    page_number: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, query: QueryDict, *, default_status: str = "") -> "LeadFilters":
        """`default_status` is the status filter when the URL names none (the dashboard: open leads)."""
        filters = cls(status=default_status)
        for name, choices in (("status", Lead.Status), ("label", Lead.Label), ("source", Lead.Source)):
            value = query.get(name, "").strip()
            if name == "status" and value in STATUS_GROUPS:
                filters.status = value
            elif value and value not in choices.values:
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
        filters.before = "" if filters.after else query.get("before", "")[:200]
        page = query.get("page", "")
        filters.page_number = int(page) if page.isascii() and page.isdigit() and 0 < len(page) <= 6 else 1
        return filters

    def query_string(self, **changes: Any) -> str:
        """The URL query for these filters, with some values changed (e.g. sort, after)."""
        values = {
            "q": self.search, "status": self.status, "label": self.label, "source": self.source,
            "owner": self.owner, "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
            "sort": "" if self.sort == "newest" else self.sort,
            "after": "", "before": "", "page": "",
        }
        values.update(changes)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value:
                query[key] = value
        return query.urlencode()

    def export_query(self) -> str:
        """The filters without paging or sorting: what the CSV export needs."""
        return self.query_string(sort="")

    def cache_key(self) -> str:
        return self.export_query() or "all"


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered_leads(filters: LeadFilters, user: User) -> QuerySet[Lead]:
    leads = listed_leads(filters, user)
    if filters.search:
        leads = leads.filter(search_match(filters.search))
    return leads


def listed_leads(filters: LeadFilters, user: User) -> QuerySet[Lead]:
    """Every filter but the search: the leads a search looks among."""
    leads = Lead.objects.all()
    if filters.status == OPEN:
        leads = leads.exclude(status__in=Lead.FINISHED_STATUSES)
    elif filters.status and filters.status != ALL:
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
    return leads


def search_match(term: str) -> Q:
    """Any part of a name, the email (so its domain) or the company; "Ada Love" also matches first and last name.

    The trigram indexes of migration 0011 serve these on PostgreSQL. Email is stored lower-case, so a
    case-sensitive match on it is enough.
    """
    words = term.split()
    company = _contains("company_name", term)
    if len(words) == 1:
        return (_contains("first_name", term) | _contains("last_name", term) | company
                | _contains("email", term.lower(), case_sensitive=True))
    # An address holds no space, so a term of several words is never part of one. The whole term in the first
    # name holds its first word too (in the last name, its last word): grouped under those tests, a lead that
    # fails them (nearly every lead a search looks at) is tested three times instead of five. The plain form
    # is `first ∋ term | last ∋ term | company ∋ term | (first ∋ first word & last ∋ last word)`.
    first_word, last_word = _word("first_name", words[0]), _word("last_name", words[-1])
    in_first, in_last = _contains("first_name", term), _contains("last_name", term)
    first_implies = len(words[0]) >= TRIGRAM  # a contains test: the whole term in the first name implies it
    last_implies = len(words[-1]) >= TRIGRAM
    if first_implies:
        names = first_word & (in_first | last_word)
        return company | names | (last_word & in_last if last_implies else in_last)
    if last_implies:
        return company | in_first | (last_word & (in_last | first_word))
    return company | in_first | in_last | (first_word & last_word)


def _word(field: str, word: str) -> Q:
    """A word of a full name: anywhere in `field`, or, shorter than a trigram, the start of it ("Priya Sh" is
    Priya Sharma): a name's start is in its trigram index (pg_trgm pads each word with spaces), so the match
    reads only the names that start so, where "anywhere" would re-read every lead the other word finds."""
    if len(word) >= TRIGRAM:
        return _contains(field, word)
    return Q(**{f"{field}__istartswith": word})


def _contains(field: str, text: str, *, case_sensitive: bool = False) -> Q:
    """`field` holds `text` anywhere. Text shorter than a trigram is tested on an expression no index has: a
    trigram index answers such a match with every row of the table, which PostgreSQL then re-reads one by
    one (all of them for the "Zz" of "Priya Zz"), where testing only the rows the other terms find is what
    is wanted."""
    lookup = Contains if case_sensitive else IContains
    if len(text) >= TRIGRAM:
        return Q(lookup(F(field), text))
    return Q(lookup(Concat(F(field), Value("")), text))


def _encode_cursor(row: dict[str, Any], sort: str) -> str:
    data: dict[str, Any] = {"c": row["created_at"].isoformat(), "i": str(row["id"])}
    if SORTS[sort][2] == "score":
        data["s"] = score_sort_key(row["score_label"], row["score_value"])
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> dict[str, Any] | None:
    """A cursor from the URL; a tampered or stale one just starts from the first page."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        created = parse_datetime(data["c"])
        if created is None:
            return None
        return {"c": created, "i": uuid.UUID(data["i"]), "s": int(data.get("s", -1))}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


@dataclass
class KeysetPage:
    rows: list[dict[str, Any]]
    next_cursor: str  # "" on the last page
    previous_cursor: str  # "" on the first page
    is_first: bool


def keyset_page(filters: LeadFilters, user: User, fields: Sequence[str], *, size: int,
                matching: int | None = None) -> KeysetPage:
    """One page of leads by keyset: WHERE (sort key, id) < cursor ORDER BY ... LIMIT size + 1.

    The rows are `fields` values, which must include id, created_at, score_label and score_value. `filters.after`
    pages forward; `filters.before` ("previous page") walks the same keyset the other way from a page's first
    row. Deep OFFSET pages cost ~60 ms at a million rows; a keyset page reads only the rows it shows. A search
    in date order is found by `_searched_ids`; `matching`, how many leads match when the caller knows (the
    dashboard's cached count), lets a rare term go straight to its few matches; without it (the API) the
    planner's estimate (`estimated_count`) decides.
    """
    key = SORTS[filters.sort][2]
    cursor = _decode_cursor(filters.after) if filters.after else None
    backward = cursor is None and bool(filters.before)
    if backward:
        cursor = _decode_cursor(filters.before)
        backward = cursor is not None
    descending = SORTS[filters.sort][1] != backward
    if key == "score":
        before, beyond = ("lt", "lte") if descending else ("gt", "gte")
        leads = filtered_leads(filters, user).annotate(sort_score=SCORE_SORT)
        if cursor:
            # The plain range term lets PostgreSQL start the index scan at the cursor.
            leads = leads.filter(**{f"sort_score__{beyond}": cursor["s"]}).filter(
                Q(**{f"sort_score__{before}": cursor["s"]})
                | Q(sort_score=cursor["s"], **{f"created_at__{before}": cursor["c"]})
                | Q(sort_score=cursor["s"], created_at=cursor["c"], **{f"id__{before}": cursor["i"]})
            )
        order = [F("sort_score").desc(), "-created_at", "-id"] if descending else [
            F("sort_score").asc(), "created_at", "id"]
        rows = list(leads.order_by(*order).values(*fields)[: size + 1])
    else:
        leads = listed_leads(filters, user)
        if cursor:
            leads = _beyond(leads, cursor["c"], cursor["i"], smaller=descending)
        order = ["-created_at", "-id"] if descending else ["created_at", "id"]
        if filters.search:
            match = search_match(filters.search)
            if matching is None:
                # The planner's estimate moves with the table's statistics, not from one request to the next.
                scope = (f"estimate:{user.pk if filters.owner == 'me' else ''}:{filters.cache_key()}:"
                         f"{filters.after}:{filters.before}")
                matching = cached(scope, lambda: estimated_count(leads.filter(match)))
            ids = _searched_ids(leads, match, order, descending, size + 1,
                                rare=matching is not None and matching < SEARCH_WINDOW // MATCH_COST)
            found = {row["id"]: row for row in Lead.objects.filter(pk__in=ids).values(*fields)}
            rows = [found[pk] for pk in ids if pk in found]
        else:
            rows = list(leads.order_by(*order).values(*fields)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        is_first, next_cursor = not more, _encode_cursor(rows[-1], filters.sort) if rows else ""
    else:
        is_first, next_cursor = cursor is None, _encode_cursor(rows[-1], filters.sort) if more else ""
    previous_cursor = _encode_cursor(rows[0], filters.sort) if rows and not is_first else ""
    return KeysetPage(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor, is_first=is_first)


def estimated_count(leads: QuerySet[Lead]) -> int | None:
    """PostgreSQL's planner's estimate of how many of `leads` there are: a plan, not a read, so it costs about a
    millisecond where counting a common term's matches reads thousands of them from the table (even with a
    LIMIT). None on another database."""
    connection = connections[leads.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = leads.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    return int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])


def _beyond(leads: QuerySet[Lead], created: datetime.datetime, pk: uuid.UUID, *, smaller: bool,
            inclusive: bool = False) -> QuerySet[Lead]:
    """The leads whose (created_at, id) is below (`smaller`) or above the given pair (or equal: `inclusive`)."""
    strictly, loosely = ("lt", "lte") if smaller else ("gt", "gte")
    # The plain range term lets PostgreSQL start the index scan at the pair.
    return leads.filter(**{f"created_at__{loosely}": created}).filter(
        Q(**{f"created_at__{strictly}": created})
        | Q(created_at=created, **{f"id__{loosely if inclusive else strictly}": pk})
    )


def _searched_ids(leads: QuerySet[Lead], match: Q, order: list[str], descending: bool, limit: int, *,
                  rare: bool = False) -> list[Any]:
    """The ids of the first `limit` of `leads` that `match`, in `order` (date order), at a bounded cost.

    The trigram indexes find every match, but sorting them means reading each one from the table, however few
    are shown: a full name matches thousands of leads in a million. A common term is found sooner by testing
    the leads in order, and a rare one never fills a page that way. So the page is first looked for among the
    next SEARCH_WINDOW leads in order (on PostgreSQL lead_created_idx holds what the filters and the search
    test, migration 0013, so this is an index-only walk); only the rest of a page that window leaves short is
    taken from the matches beyond it, through the trigram indexes and a sort; a `rare` term (fewer matches
    than the window would cost) goes there at once. bench/ui_bench.py and
    bench/api_bench.py measure it ("full name", "search"); the README has the figures.
    The plain query this stands for is `leads.filter(match).order_by(*order)[:limit]`.
    """
    ordered = leads.order_by(*order)
    rest, ids = leads, []
    if not rare:
        ids = _matches_in_window(ordered, match, limit)
        if len(ids) == limit:
            return ids
        edge = list(ordered.values_list("created_at", "id")[SEARCH_WINDOW - 1:SEARCH_WINDOW])
        if not edge:  # the window held every lead to look among
            return ids
        rest = _beyond(leads, *edge[0], smaller=descending)
    # Ordering by an expression makes PostgreSQL take the search indexes and sort only the matches,
    # where ordering by created_at would walk the rest of the table testing each lead.
    rest = rest.filter(match).annotate(created_sort=ExpressionWrapper(
        F("created_at") + Value(datetime.timedelta(0)), output_field=DateTimeField()))
    rest_order = ["-created_sort", "-id"] if descending else ["created_sort", "id"]
    return ids + list(rest.order_by(*rest_order).values_list("id", flat=True)[: limit - len(ids)])


def _matches_in_window(ordered: QuerySet[Lead], match: Q, limit: int) -> list[Any]:
    """The ids of the first `limit` leads that `match` among the first SEARCH_WINDOW of `ordered`, in one walk
    that stops at whichever comes first: the window is a derived table (which the ORM cannot write) whose rows
    carry the match as a column, so PostgreSQL reads no further than the page needs."""
    window = ordered.annotate(search_hit=ExpressionWrapper(match, output_field=BooleanField()))
    sql, params = window.values_list("id", "search_hit")[:SEARCH_WINDOW].query.sql_with_params()
    with connections[ordered.db].cursor() as cursor:
        cursor.execute(f"SELECT window_rows.id FROM ({sql}) window_rows WHERE window_rows.search_hit LIMIT %s",
                       [*params, limit])
        return [Lead._meta.pk.to_python(row[0]) for row in cursor.fetchall()]
