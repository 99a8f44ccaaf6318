"""The dashboard: KPIs and charts, the filtered table, keyset pages and cached counts."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from conftest import LeadFactory, UserFactory
from leads.models import Feedback, Lead
from outreach.models import EmailDraft
from scoring.models import ScoringConfig

pytestmark = pytest.mark.django_db


def _lead_links(html: str) -> list[str]:
    return re.findall(r'href="/leads/([0-9a-f-]{36})/"', html)


def test_the_dashboard_shows_kpis_charts_and_the_newest_leads(rep_client):
    hot = LeadFactory(first_name="Hanna", last_name="Hot", score_label=Lead.Label.HOT, score_value=88)
    LeadFactory(first_name="Carl", last_name="Cold", score_label=Lead.Label.COLD, score_value=12,
                status=Lead.Status.CONTACTED)
    EmailDraft.objects.create(lead=hot, subject="Hello", body="Hi")
    Feedback.objects.create(lead=hot, outcome=Feedback.Outcome.BOOKED_DEMO)

    response = rep_client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    kpis = response.context["kpis"]
    assert (kpis["total"], kpis["labels"]["HOT"], kpis["labels"]["COLD"]) == (2, 1, 1)
    assert kpis["contacted"] == 1 and kpis["drafts_waiting"] == 1
    assert "Funnel by status" in html and "<svg" in html
    assert "100% (1 of 1)" in html  # conversion of HOT leads with an outcome
    assert "Hanna Hot" in html and "Carl Cold" in html
    assert html.index("Carl Cold") < html.index("Hanna Hot")  # newest first


def test_the_score_histogram_splits_each_column_by_the_label_its_leads_carry(rep_client):
    version = _learned_version_active()
    LeadFactory(score_label=Lead.Label.HOT, score_value=24, score_version=version)
    LeadFactory.create_batch(2, score_label=Lead.Label.COLD, score_value=27, score_version=version)
    html = rep_client.get("/").content.decode()
    assert "1 HOT lead scored 20-29" in html and "2 COLD leads scored 20-29" in html
    assert 'class="bar HOT"' in html and 'class="bar COLD"' in html and 'class="bar WARM"' not in html


def _learned_version_active() -> int:
    ScoringConfig.objects.update(is_active=False)
    config = ScoringConfig.objects.create(version=77, source=ScoringConfig.Source.LEARNED, is_active=True,
                                          weights={}, thresholds={"hot": 20, "warm": 10})
    return config.version


def test_lists_and_charts_compare_like_with_like_after_training(rep_client):
    version = _learned_version_active()
    LeadFactory(first_name="Open", last_name="Hot", score_label=Lead.Label.HOT, score_value=25,
                score_probability=0.25, score_version=version, status=Lead.Status.QUALIFIED)
    LeadFactory(first_name="Open", last_name="Cold", score_label=Lead.Label.COLD, score_value=4,
                score_probability=0.04, score_version=version, status=Lead.Status.QUALIFIED)
    LeadFactory(first_name="Closed", last_name="Old", score_label=Lead.Label.WARM, score_value=85, score_version=1,
                status=Lead.Status.CLOSED_LOST)
    html = rep_client.get("/?status=all&sort=score").content.decode()
    table = html.split('id="lead-table"', 1)[1]
    # The label ranks first: the closed lead's old 85 points sit below the open HOT 25 %.
    assert table.index("Open Hot") < table.index("Closed Old") < table.index("Open Cold")
    assert "25 %" in table and "85 pts" in table and f"v{version}" in table and "v1<" in table
    # The histogram counts only the active version's scores, and says so.
    assert "2 leads scored by the active version, v77 (score = chance to convert in %)" in html
    assert "COLD lead scored 80-89" not in html and "1 HOT lead scored 20-29" in html


def test_the_contacted_figure_counts_the_leads_its_link_lists(rep_client):
    LeadFactory(status=Lead.Status.CONTACTED)
    LeadFactory(status=Lead.Status.MEETING_BOOKED)
    LeadFactory(status=Lead.Status.CLOSED_LOST)
    figure = rep_client.get("/").context["kpis"]["contacted"]
    assert figure == 1
    assert "1 lead matches these filters" in rep_client.get("/?status=CONTACTED").content.decode()


def test_the_dashboard_needs_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_is_refused(outsider_client):
    assert outsider_client.get("/").status_code == 403


def test_an_htmx_request_for_the_table_gets_only_the_table(rep_client, htmx_headers):
    LeadFactory(first_name="Tina")
    response = rep_client.get("/?label=HOT", HTTP_HX_TARGET="lead-table", **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="lead-table">')
    assert "<html" not in html and "Funnel by status" not in html
    # The CSV link follows the filters in place, with the list's default of open leads.
    assert 'href="/leads/export.csv?status=open&amp;label=HOT"' in html
    assert "HX-Request" in response["Vary"]


def test_filters_narrow_the_table_and_stay_in_the_form(rep_client, rep):
    other = UserFactory(username="oscar")
    LeadFactory(first_name="Match", score_label="HOT", status=Lead.Status.QUALIFIED, source=Lead.Source.EVENT,
                owner=rep)
    LeadFactory(first_name="WrongLabel", score_label="WARM", status=Lead.Status.QUALIFIED,
                source=Lead.Source.EVENT, owner=rep)
    LeadFactory(first_name="WrongOwner", score_label="HOT", status=Lead.Status.QUALIFIED,
                source=Lead.Source.EVENT, owner=other)
    LeadFactory(first_name="WrongSource", score_label="HOT", status=Lead.Status.QUALIFIED,
                source=Lead.Source.REFERRAL, owner=rep)
    old = LeadFactory(first_name="TooOld", score_label="HOT", status=Lead.Status.QUALIFIED,
                      source=Lead.Source.EVENT, owner=rep)
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    since = (timezone.now() - datetime.timedelta(days=7)).date().isoformat()

    response = rep_client.get(f"/?label=HOT&status=QUALIFIED&source=event&owner=me&created_from={since}")

    html = response.content.decode()
    assert "Match" in html
    for name in ("WrongLabel", "WrongOwner", "WrongSource", "TooOld"):
        assert name not in html
    assert '<option value="HOT" selected>' in html
    assert "1 lead match these filters" in html or "1 lead matches these filters" in html
    assert "/leads/export.csv?status=QUALIFIED&amp;label=HOT&amp;source=event&amp;owner=me" in html


def test_search_finds_leads_by_name_email_or_company(rep_client):
    LeadFactory(first_name="Zoe", last_name="Quinn", email="zoe@quinnworks.io", company_name="Quinn Works")
    LeadFactory(first_name="Adam", last_name="Smith", email="adam@other.com", company_name="Other Co")
    for term in ("zoe", "Zoe Quinn", "zoe@quinn", "quinn works"):
        html = rep_client.get("/", {"q": term}).content.decode()
        assert "Zoe Quinn" in html, term
        assert "Adam Smith" not in html, term


def test_search_finds_any_part_of_a_name_email_company_or_domain(rep_client):
    LeadFactory(first_name="Hugo", last_name="Hart", email="hugo.hart@mosaichr.io", company_name="The HR Cloud Group")
    LeadFactory(first_name="Adam", last_name="Smith", email="adam@other.com", company_name="Other Co")
    for term in ("HR Cloud", "mosaichr", "ugo", "art", "Hugo Hart", "cloud group"):
        html = rep_client.get("/", {"q": term}).content.decode()
        assert "Hugo Hart" in html, term
        assert "Adam Smith" not in html, term


def test_closed_leads_do_not_bury_open_ones_unless_asked_for(rep_client):
    LeadFactory(first_name="Still", last_name="Open", status=Lead.Status.QUALIFIED)
    LeadFactory(first_name="Long", last_name="Won", status=Lead.Status.CLOSED_WON, score_value=95)
    html = rep_client.get("/?sort=score").content.decode()
    assert "Still Open" in html and "Long Won" not in html
    assert '<option value="open" selected>' in html
    every = rep_client.get("/?status=all&sort=score").content.decode()
    assert "Still Open" in every and "Long Won" in every


def test_paging_says_where_you_are_and_goes_back(rep_client):
    for _ in range(120):
        LeadFactory()
    first = rep_client.get("/")
    assert "Page 1 of 3 · leads 1–50 of 120" in first.content.decode()
    assert "Previous page" not in first.content.decode()
    second = rep_client.get(f"/?{first.context['next_query']}")
    html = second.content.decode()
    assert "Page 2 of 3 · leads 51–100 of 120" in html and "Previous page" in html
    third = rep_client.get(f"/?{second.context['next_query']}")
    assert "Page 3 of 3 · leads 101–120 of 120" in third.content.decode()
    back = rep_client.get(f"/?{third.context['previous_query']}")
    assert _lead_links(back.content.decode()) == _lead_links(html)
    assert "Page 2 of 3" in back.content.decode()
    home = rep_client.get(f"/?{back.context['previous_query']}")
    assert _lead_links(home.content.decode()) == _lead_links(first.content.decode())
    assert "Previous page" not in home.content.decode()


def test_an_unknown_filter_value_is_named_in_the_error(rep_client):
    html = rep_client.get("/?label=LUKEWARM&created_from=yesterday").content.decode()
    assert "Unknown label &#x27;LUKEWARM&#x27;" in html
    assert "&#x27;yesterday&#x27; is not a date" in html


@pytest.mark.parametrize("sort", ["newest", "oldest", "score", "score_low"])
def test_keyset_pages_show_every_lead_exactly_once(rep_client, sort):
    created = timezone.now()
    leads = []
    for index in range(120):
        # Equal timestamps and equal scores on purpose: the id breaks ties so no row is skipped.
        lead = LeadFactory(score_value=(index % 7) * 10 if index % 5 else None,
                           score_label="" if index % 5 == 0 else "WARM")
        leads.append(lead)
    Lead.objects.update(created_at=created)
    seen: list[str] = []
    url = f"/?sort={sort}"
    pages = 0
    while url:
        response = rep_client.get(url)
        seen += _lead_links(response.content.decode())
        next_query = response.context["next_query"] if response.context["page"].next_cursor else ""
        url = f"/?{next_query}" if next_query else ""
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(str(lead.pk) for lead in leads)
    if sort == "score":
        scores = [Lead.objects.get(pk=lead_id).score_value or -1 for lead_id in seen]
        assert scores == sorted(scores, reverse=True)


def test_a_tampered_cursor_starts_again_from_the_first_page(rep_client):
    LeadFactory(first_name="Only")
    response = rep_client.get("/?after=not-a-cursor")
    assert response.status_code == 200
    assert "Only" in response.content.decode()


def test_the_dashboard_costs_the_same_few_queries_for_many_leads(rep_client, django_assert_max_num_queries):
    owner = UserFactory(username="owner1")
    for _ in range(60):
        LeadFactory(owner=owner, score_label="HOT", score_value=80)
    rep_client.get("/")  # warms the KPI cache, as a running site has
    with django_assert_max_num_queries(6):
        rep_client.get("/?label=HOT")


def test_kpis_are_cached_but_a_persons_own_change_shows_at_once(rep_client, django_capture_on_commit_callbacks):
    lead = LeadFactory()
    assert rep_client.get("/").context["kpis"]["total"] == 1

    LeadFactory()  # another process adds a lead: the cached figures may lag
    assert rep_client.get("/").context["kpis"]["total"] == 1

    with django_capture_on_commit_callbacks(execute=True):  # the outcome commits
        rep_client.post(f"/leads/{lead.pk}/outcome/", {"outcome": "closed_won"})
    kpis = rep_client.get("/").context["kpis"]
    assert kpis["total"] == 2 and kpis["won"] == 1


def test_cached_kpis_are_never_more_than_thirty_seconds_old(rep_client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        LeadFactory()
        assert rep_client.get("/").context["kpis"]["total"] == 1
        LeadFactory()
        clock.shift(datetime.timedelta(seconds=30))
        assert rep_client.get("/").context["kpis"]["total"] == 2


def test_the_empty_dashboard_says_so(rep_client):
    html = rep_client.get("/").content.decode()
    assert "No leads yet" in html


def test_the_date_range_includes_whole_days_at_both_ends(rep_client):
    day = datetime.date(2026, 3, 10)

    def at(hour: int, minute: int, offset: int = 0) -> datetime.datetime:
        moment = datetime.datetime.combine(day + datetime.timedelta(days=offset), datetime.time(hour, minute))
        return timezone.make_aware(moment)

    for name, created in (("Dayprior", at(23, 59, -1)), ("Early", at(0, 0)), ("Late", at(23, 59)),
                          ("Dayafter", at(0, 0, 1))):
        lead = LeadFactory(first_name=name)
        Lead.objects.filter(pk=lead.pk).update(created_at=created)
    html = rep_client.get("/", {"created_from": "2026-03-10", "created_to": "2026-03-10"}).content.decode()
    assert "Early" in html and "Late" in html
    assert "Dayprior" not in html and "Dayafter" not in html


@pytest.mark.parametrize(("query", "explained"), [
    ("created_from=2026-13-01", "&#x27;2026-13-01&#x27; is not a date like 2026-01-31"),  # no such month
    ("created_to=2026-02-30", "&#x27;2026-02-30&#x27; is not a date like 2026-01-31"),
    ("created_to=9999-12-31", "&#x27;9999-12-31&#x27; is not a year from 1900 to 9998"),  # no day after it
    ("created_from=0001-01-01", "&#x27;0001-01-01&#x27; is not a year from 1900 to 9998"),
    ("owner=99999999999999999999999", "Unknown owner &#x27;99999999999999999999999&#x27;"),
    ("owner=%C2%B2", "Unknown owner &#x27;²&#x27;"),  # a digit to str.isdigit(), not to int()
    ("q=Ad%00a", ""),  # PostgreSQL refuses NUL characters in text
])
def test_an_odd_filter_in_the_url_is_explained_not_a_server_error(rep_client, query, explained):
    LeadFactory(first_name="Ada")

    response = rep_client.get(f"/?{query}")

    html = response.content.decode()
    assert response.status_code == 200
    assert explained in html
    assert "Ada" in html  # the table still shows, without the filter it could not read


@pytest.mark.parametrize(("query", "status"), [
    ("created_from=2026-13-01", 400), ("created_to=9999-12-31", 400), ("q=ab%00cd", 200)])
def test_the_csv_export_answers_an_odd_filter_without_a_server_error(rep_client, query, status):
    response = rep_client.get(f"/leads/export.csv?{query}")

    assert response.status_code == status
    if status == 400:
        assert b"not a" in response.content  # the reason, in words
    else:
        assert b"".join(response.streaming_content).startswith("\ufeffid,".encode())


def test_changing_a_filter_after_sorting_by_score_keeps_the_score_order(rep_client, htmx_headers):
    # Sorting by a heading replaces only the table; the filter form sends its sort field when a filter
    # changes, so that field must come with the table, tied to the form, or the order falls back to newest.
    table = rep_client.get("/?sort=score", HTTP_HX_TARGET="lead-table", **htmx_headers).content.decode()
    page = rep_client.get("/?sort=score").content.decode()

    sort_fields = re.findall(r'<input type="hidden" name="sort"[^>]*>', page)
    assert sort_fields == ['<input type="hidden" name="sort" form="lead-filters" value="score">']
    assert sort_fields[0] in table
    assert '<form id="lead-filters"' in page


def test_the_action_column_gives_each_lead_its_next_step_for_the_status_it_is_in(rep_client):
    LeadFactory(first_name="Fresh", status=Lead.Status.QUALIFIED, recommended_action=Lead.Action.SEND_EMAIL)
    LeadFactory(first_name="Booked", status=Lead.Status.MEETING_BOOKED, recommended_action=Lead.Action.SEND_EMAIL)
    LeadFactory(first_name="Asked", status=Lead.Status.NEEDS_INFO, recommended_action=Lead.Action.ASK_QUESTION)
    rows = {row.name.split()[0]: row.action_label for row in rep_client.get("/?status=all").context["page"].leads}
    assert rows == {"Fresh": "Send email", "Booked": "Record the outcome", "Asked": "Wait for answers"}
