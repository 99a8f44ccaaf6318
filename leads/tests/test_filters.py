"""leads.filters: a search's keyset pages are the plain query's pages, however the window splits the matches."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from conftest import LeadFactory
from leads import filters as lead_filters
from leads.filters import LeadFilters, filtered_leads, keyset_page
from leads.models import Lead

pytestmark = pytest.mark.django_db
SIZE = 4
FIELDS = ("id", "created_at", "score_label", "score_value")


@pytest.fixture
def leads() -> list[Lead]:
    """40 leads a minute apart, newest first: full-name matches among the newest and the oldest, a company
    that only old leads carry, closed leads among them, and two leads sharing one timestamp."""
    now = timezone.now()
    made = []
    for index in range(40):
        first, last = ("Arjun", "Sharma") if index % 3 == 0 else ("Priya", "Shah") if index % 7 == 0 else ("Mei", "Li")
        lead = LeadFactory(first_name=first, last_name=last, company_name="Mosaic HR" if index >= 30 else "Acme",
                           status=Lead.Status.CLOSED_LOST if index % 5 == 0 else Lead.Status.NEW)
        stamp = now - datetime.timedelta(minutes=index if index != 13 else 12)
        Lead.objects.filter(pk=lead.pk).update(created_at=stamp)
        made.append(lead)
    return made


def _query(**values: str) -> LeadFilters:
    query = QueryDict(mutable=True)
    query.update(values)
    return LeadFilters.from_query(query)


def _walk(values: dict[str, str], user, matching: int | None) -> tuple[list[list[str]], list[list[str]]]:  # type: ignore[no-untyped-def]
    """Every page forward by the next cursors, then back from the last page by the previous cursors."""
    forward, cursor = [], ""
    while True:
        page = keyset_page(_query(**values, after=cursor), user, FIELDS, size=SIZE, matching=matching)
        forward.append([str(row["id"]) for row in page.rows])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    backward, before = [forward[-1]], page.previous_cursor
    while before:
        page = keyset_page(_query(**values, before=before), user, FIELDS, size=SIZE, matching=matching)
        backward.insert(0, [str(row["id"]) for row in page.rows])
        before = page.previous_cursor
    return forward, backward


@pytest.mark.parametrize("counted", [False, True], ids=["count unknown (API)", "count known (dashboard)"])
@pytest.mark.parametrize("window", [3, 10, 1000])
@pytest.mark.parametrize("values", [
    {"q": "Arjun Sharma"},  # common, found within the window
    {"q": "Priya Sh"},  # a short second word
    {"q": "mosaic hr"},  # only the oldest leads: the window finds none, the matches beyond it fill the pages
    {"q": "arjun", "status": "open"},  # with another filter
    {"q": "Arjun Sharma", "sort": "oldest"},
    {"q": "nobody at all"},
])
def test_every_search_page_holds_the_plain_querys_leads_in_order_both_ways(leads, rep, monkeypatch, values, window,
                                                                          counted):
    monkeypatch.setattr(lead_filters, "SEARCH_WINDOW", window)
    plain = filtered_leads(_query(**values), rep).order_by(
        *(["created_at", "id"] if values.get("sort") == "oldest" else ["-created_at", "-id"]))
    expected = [str(pk) for pk in plain.values_list("id", flat=True)]
    forward, backward = _walk(values, rep, len(expected) if counted else None)
    assert [lead_id for page in forward for lead_id in page] == expected
    assert all(len(page) == SIZE for page in forward[:-1])
    assert backward == forward


def test_a_search_in_a_long_list_finds_its_page_among_the_newest_leads_without_sorting_every_match(
        leads, rep, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(lead_filters, "SEARCH_WINDOW", 20)
    # The window's edge, the matches in it, the rows: no query for the matches beyond the window.
    with django_assert_max_num_queries(3):
        page = keyset_page(_query(q="Arjun Sharma"), rep, FIELDS, size=SIZE, matching=len(leads))
    assert [row["id"] for row in page.rows] == [lead.pk for lead in leads if lead.first_name == "Arjun"][:SIZE]


def test_a_short_last_word_of_a_full_name_finds_the_last_names_that_start_with_it(rep):
    wanted = LeadFactory(first_name="Priya", last_name="Zzyzx", company_name="Acme")
    LeadFactory(first_name="Priya", last_name="Mazzini", company_name="Acme")
    LeadFactory(first_name="Mei", last_name="Zzyzx", company_name="Acme")
    page = keyset_page(_query(q="Priya Zz"), rep, FIELDS, size=SIZE)
    assert [row["id"] for row in page.rows] == [wanted.pk]


def test_the_planners_estimate_of_a_searchs_matches_follows_the_tables_statistics(leads):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leads_lead")
    arjuns = Lead.objects.filter(first_name="Arjun")
    assert lead_filters.estimated_count(arjuns) == pytest.approx(arjuns.count(), abs=2)
    assert lead_filters.estimated_count(Lead.objects.all()) == len(leads)


NAMES = [("Arjun", "Sharma", "Acme"), ("Arjun Sharma", "", "Blue River"), ("", "Arjun Sharma", "Peak"),
         ("Priya", "Shah", "Arjun Sharma Consulting"), ("Priya", "Sharma", "Nova"), ("Al", "Smith", "Al Smith Ltd"),
         ("Alan", "Smithers", "Vertex"), ("Jo", "Li", "Lumen"), ("Mary Ann", "Li", "Jo Li & Co"), ("Sh", "Priya", "X")]
TERMS = ["Arjun Sharma", "Priya Sh", "Al Smith", "Jo Li", "Mary Ann Li", "arjun", "Sharma Consulting", "Ann Li",
         "Priya Ann Shah", "Sh Priya"]


def _plain_match(term: str):  # type: ignore[no-untyped-def]
    """search_match's plain form, the reference its grouped tests must agree with."""
    words = term.split()
    match = (lead_filters._contains("first_name", term) | lead_filters._contains("last_name", term)
             | lead_filters._contains("company_name", term))
    if len(words) == 1:
        return match | lead_filters._contains("email", term.lower(), case_sensitive=True)
    return match | (lead_filters._word("first_name", words[0]) & lead_filters._word("last_name", words[-1]))


@pytest.mark.parametrize("term", TERMS)
def test_a_search_finds_exactly_the_leads_of_its_plain_form(term):
    for number, (first, last, company) in enumerate(NAMES):
        LeadFactory(first_name=first, last_name=last, company_name=company, email=f"p{number}@example.com")
    found = set(Lead.objects.filter(lead_filters.search_match(term)).values_list("pk", flat=True))
    assert found == set(Lead.objects.filter(_plain_match(term)).values_list("pk", flat=True))
    assert found  # every term here matches someone, so the comparison is not of two empty sets
