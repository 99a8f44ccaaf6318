"""Owners and tasks from the pages: the lead page, the dashboard's selection and filter result, Today, rules."""

import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from conftest import LeadFactory, UserFactory
from leadops.roles import REP
from leads import rep_tasks
from leads.models import ActivityLog, AssignmentRule, Lead, Task

pytestmark = pytest.mark.django_db


def _named(user, first, last):  # type: ignore[no-untyped-def]
    user.first_name, user.last_name = first, last
    user.save()
    return user


def test_a_rep_assigns_a_lead_on_its_page_and_the_dashboard_shows_the_owners_name(rep, rep_client, htmx_headers):
    _named(rep, "Rita", "Reyes")
    lead = LeadFactory(first_name="Ada", last_name="Lovelace")
    response = rep_client.post(f"/leads/{lead.pk}/assign/", {"owner": rep.pk}, **htmx_headers)
    assert response.status_code == 200
    assert "Assigned to Rita Reyes." in response.content.decode()
    assert "Assigned to Rita Reyes." in response.content.decode().split('id="timeline"')[1]
    lead.refresh_from_db()
    assert lead.owner == rep
    mine = rep_client.get("/?owner=me").content.decode()
    assert "Ada Lovelace" in mine and 'data-label="Owner">Rita Reyes<' in mine


def test_an_unknown_owner_is_refused_in_words(rep_client, htmx_headers):
    lead = LeadFactory()
    response = rep_client.post(f"/leads/{lead.pk}/assign/", {"owner": "999999"}, **htmx_headers)
    assert response.status_code == 422
    assert "Owner: that person is not a rep or manager here." in response.content.decode()


@pytest.fixture
def other_rep(db):  # type: ignore[no-untyped-def]
    user = UserFactory(username="otto-rep")
    user.groups.add(Group.objects.get_or_create(name=REP)[0])
    return user


def test_a_rep_cannot_take_another_reps_lead_on_its_page_and_is_told_why(rep, other_rep, rep_client, htmx_headers):
    lead = LeadFactory(owner=other_rep, first_name="Ada", last_name="Lovelace")
    response = rep_client.post(f"/leads/{lead.pk}/assign/", {"owner": rep.pk}, **htmx_headers)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Only a manager can take leads another rep owns (Ada Lovelace is otto-rep&#x27;s)." in page
    assert 'class="message error"' in page
    without_htmx = rep_client.post(f"/leads/{lead.pk}/assign/", {"owner": ""}, follow=True).content.decode()
    assert 'class="message error"' in without_htmx and "Only a manager can unassign leads" in without_htmx
    lead.refresh_from_db()
    assert lead.owner == other_rep
    assert not lead.activities.filter(type=ActivityLog.Type.OWNER_CHANGED).exists()


def test_a_rep_gives_back_their_own_lead_but_cannot_hand_it_to_someone_else(rep, other_rep, rep_client):
    lead = LeadFactory(owner=rep)
    handed = rep_client.post(f"/leads/{lead.pk}/assign/", {"owner": other_rep.pk}, follow=True).content.decode()
    assert "Only a manager can give leads to someone else" in handed
    assert Lead.objects.get(pk=lead.pk).owner == rep
    given_back = rep_client.post(f"/leads/{lead.pk}/assign/", {"owner": ""}, follow=True).content.decode()
    assert "The lead has no owner now." in given_back
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_a_rep_cannot_give_ticked_leads_or_a_filters_result_to_someone_else(rep, other_rep, rep_client):
    leads = [LeadFactory(score_label=Lead.Label.HOT) for _ in range(2)]
    ticked = rep_client.post("/leads/assign/", {"scope": "selected", "owner": other_rep.pk,
                                                "lead": [str(lead.pk) for lead in leads]}, follow=True)
    assert 'class="message error">Only a manager can give leads to someone else' in ticked.content.decode()
    query = "status=open&label=HOT"
    asked = rep_client.get("/leads/assign/?" + urlencode({"scope": "all", "owner": other_rep.pk, "query": query}),
                           follow=True).content.decode()
    assert "Only a manager can give leads to someone else" in asked and "Assign 2 leads?" not in asked
    rep_client.post("/leads/assign/", {"scope": "all", "confirm": "1", "owner": other_rep.pk, "query": query})
    assert not Lead.objects.filter(owner__isnull=False).exists()


def test_a_rep_taking_a_filters_result_is_refused_while_it_holds_another_reps_lead(rep, other_rep, rep_client):
    LeadFactory(score_label=Lead.Label.HOT)
    LeadFactory(score_label=Lead.Label.HOT, owner=other_rep)
    done = rep_client.post("/leads/assign/", {"scope": "all", "confirm": "1", "owner": rep.pk,
                                              "query": "status=open&label=HOT"}, follow=True).content.decode()
    assert "Only a manager can take leads another rep owns" in done
    assert not Lead.objects.filter(owner=rep).exists()


def test_ticked_leads_are_assigned_and_a_filters_whole_result_only_after_its_count_is_confirmed(
        rep, manager, manager_client):
    hot = [LeadFactory(score_label=Lead.Label.HOT) for _ in range(3)]
    cold = LeadFactory(score_label=Lead.Label.COLD)
    manager_client.post("/leads/assign/", {"scope": "selected", "owner": rep.pk, "lead": [str(hot[0].pk)]})
    assert list(Lead.objects.filter(owner=rep)) == [hot[0]]
    query = "status=open&label=HOT"
    asked = manager_client.get("/leads/assign/?" + urlencode({"scope": "all", "owner": manager.pk, "query": query}))
    page = asked.content.decode()
    assert "Assign 3 leads?" in page and "Yes, assign 3 leads" in page
    assert not Lead.objects.filter(owner=manager).exists()  # nothing changes before the confirmation
    done = manager_client.post("/leads/assign/", {"scope": "all", "confirm": "1", "owner": manager.pk, "query": query},
                               follow=True)
    assert "3 leads assigned to max-manager." in done.content.decode()
    assert set(Lead.objects.filter(owner=manager)) == set(hot)
    assert Lead.objects.get(pk=cold.pk).owner is None


def test_a_task_is_added_moved_and_done_on_the_lead_page(rep, rep_client, htmx_headers):
    lead = LeadFactory(owner=rep)
    added = rep_client.post(f"/leads/{lead.pk}/tasks/", {"kind": "CALL", "title": "Call about the pilot",
                                                         "due_at": "2026-03-31T14:30"}, **htmx_headers)
    assert "Task added: Call about the pilot." in added.content.decode()
    task = Task.objects.get()
    assert (task.assignee, timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")) == (rep, "2026-03-31 14:30")
    bad = rep_client.post(f"/tasks/{task.pk}/move/", {"due_at": "next tuesday"}, **htmx_headers)
    assert bad.status_code == 422
    assert "Due: &#x27;next tuesday&#x27; is not a date and time like 2026-03-31 14:30." in bad.content.decode()
    rep_client.post(f"/tasks/{task.pk}/move/", {"due_at": "2026-04-02T09:00"}, **htmx_headers)
    done = rep_client.post(f"/tasks/{task.pk}/done/", {"from": "lead"}, **htmx_headers).content.decode()
    assert "Done: Call about the pilot." in done and "No open tasks." in done
    assert list(lead.activities.filter(type=ActivityLog.Type.TASK).values_list("payload__event", flat=True)
                .order_by("created_at")) == ["created", "rescheduled", "done"]


def test_a_task_is_cancelled_on_the_lead_page_and_an_outsider_cannot(rep, rep_client, outsider_client,
                                                                     htmx_headers):
    lead = LeadFactory(owner=rep)
    task = rep_tasks.create_task(lead, kind=Task.Kind.CALL, title="Call about the pilot")
    assert outsider_client.post(f"/tasks/{task.pk}/cancel/", {"from": "lead"}).status_code == 403
    cancelled = rep_client.post(f"/tasks/{task.pk}/cancel/", {"from": "lead"}, **htmx_headers).content.decode()
    assert "Cancelled: Call about the pilot." in cancelled and "No open tasks." in cancelled
    assert "Call about the pilot (cancelled)" in cancelled
    again = rep_client.post(f"/tasks/{task.pk}/cancel/", {"from": "lead"}, **htmx_headers).content.decode()
    assert "“Call about the pilot” was already cancelled." in again
    assert lead.activities.filter(type=ActivityLog.Type.TASK, payload__event="cancelled").count() == 1


def test_a_task_without_a_title_names_the_field(rep_client, htmx_headers):
    lead = LeadFactory()
    response = rep_client.post(f"/leads/{lead.pk}/tasks/", {"kind": "CALL", "title": ""}, **htmx_headers)
    assert response.status_code == 422
    assert "Title: say what to do (it is empty)." in response.content.decode()


def test_today_lists_tasks_overdue_first_then_drafts_replies_and_new_hot_leads(rep, rep_client, htmx_headers):
    now, hours = timezone.now(), datetime.timedelta(hours=1)
    mine, other = LeadFactory(owner=rep, first_name="Mona"), LeadFactory(first_name="Nora")
    later = rep_tasks.create_task(mine, kind=Task.Kind.CALL, title="Call Mona", due_at=now + hours / 12)
    overdue = rep_tasks.create_task(mine, kind=Task.Kind.EMAIL, title="Email Mona", due_at=now - 24 * hours)
    rep_tasks.create_task(mine, kind=Task.Kind.CALL, title="Next week", due_at=now + 24 * 7 * hours)
    mine.drafts.create(subject="Hello Mona", body="Hi")
    other.drafts.create(subject="Hello Nora", body="Hi")
    ActivityLog.record(mine, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": "interested"})
    hot = LeadFactory(score_label=Lead.Label.HOT, score_value=91, first_name="Hedy")
    page = rep_client.get("/today/").content.decode()
    order = [page.index(text) for text in ("Email Mona", "Call Mona", "Hello Mona", "Replies to answer",
                                           "Hedy")]
    assert order == sorted(order)
    assert "Next week" not in page and "Hello Nora" not in page
    assert f"/leads/{mine.pk}/#draft-editor" in page
    done = rep_client.post(f"/tasks/{overdue.pk}/done/", {"from": "today"}, **htmx_headers).content.decode()
    assert "Done: Email Mona." in done and "Email Mona</" not in done and "Call Mona" in done
    claimed = rep_client.post(f"/leads/{hot.pk}/assign/", {"owner": rep.pk, "from": "today", "part": "hot"},
                              **htmx_headers).content.decode()
    assert "Assigned to rita-rep." in claimed and "Claim" not in claimed
    quick = rep_client.post(f"/leads/{hot.pk}/tasks/", {"from": "today", "kind": "CALL", "title": "Call Hedy"},
                            **htmx_headers).content.decode()
    assert "Task added: Call Hedy." in quick and 'id="today-tasks"' in quick and "Call Mona" in quick
    assert Task.objects.get(title="Call Hedy").assignee == rep
    assert later.pk  # still open, still listed


def test_a_manager_switches_to_the_teams_day_and_a_rep_cannot(rep, manager_client, rep_client):
    lead = LeadFactory(owner=rep)
    rep_tasks.create_task(lead, kind=Task.Kind.CALL, title="Rita's call", due_at=timezone.now())
    assert "Rita&#x27;s call" not in manager_client.get("/today/").content.decode()
    assert "Rita&#x27;s call" in manager_client.get("/today/?team=1").content.decode()
    assert "The team&#x27;s day" not in rep_client.get("/today/?team=1").content.decode()


def test_login_lands_on_today(rep, client):
    response = client.post("/accounts/login/", {"username": rep.username, "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/today/"


def test_a_manager_sets_a_rule_and_a_rep_cannot_open_the_page(rep, manager_client, rep_client):
    response = manager_client.post("/settings/assignment-rules/", {
        "name": "Germany", "position": 1, "source": "", "country": "Germany", "label": "HOT",
        "reps": [rep.pk], "cap": 10, "period": "week"}, follow=True)
    assert "Rule “Germany” saved" in response.content.decode()
    rule = AssignmentRule.objects.get()
    assert (rule.country, rule.label, list(rule.reps.all())) == ("DE", "HOT", [rep])
    refused = manager_client.post("/settings/assignment-rules/", {"name": "X", "position": 1, "country": "Atlantis",
                                                                  "period": "week"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Country: &#x27;Atlantis&#x27; is not a country name or ISO code we know." in text
    assert "Reps: tick at least one rep" in text
    assert rep_client.get("/settings/assignment-rules/").status_code == 403


def test_today_costs_the_same_few_queries_however_much_is_on_it(rep, rep_client, django_assert_max_num_queries):
    for index in range(12):
        lead = LeadFactory(owner=rep, score_label=Lead.Label.HOT, score_value=80 + index % 10)
        rep_tasks.create_task(lead, kind=Task.Kind.CALL, title=f"Call {index}", due_at=timezone.now())
        lead.drafts.create(subject=f"Hello {index}", body="Hi")
        ActivityLog.record(lead, ActivityLog.Type.REPLY_RECEIVED, payload={"classification": "interested"})
    with django_assert_max_num_queries(12):
        page = rep_client.get("/today/").content.decode()
    assert page.count("Review the draft") == 12 and page.count("Open the reply") == 12


def test_a_filter_result_larger_than_a_batch_is_assigned_by_the_worker_and_followed_on_its_job_page(
        rep, manager_client, monkeypatch, django_capture_on_commit_callbacks):
    from console.views import owners
    from leadops.models import Job

    monkeypatch.setattr(owners, "BATCH", 2)
    leads = [LeadFactory(score_label=Lead.Label.HOT) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/leads/assign/", {"scope": "all", "confirm": "1", "owner": rep.pk,
                                                          "query": "status=open&label=HOT"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.status, job.done, job.total) == (Job.Kind.ASSIGN, Job.Status.DONE, 3, 3)
    assert job.message == "3 leads now owned by rita-rep."
    assert set(Lead.objects.filter(owner=rep)) == set(leads)
    assert "3 leads now owned by rita-rep." in manager_client.get(f"/jobs/{job.pk}/").content.decode()


def test_the_owner_pick_list_follows_new_renamed_and_removed_reps(rep_client):
    lead = LeadFactory()
    page = f"/leads/{lead.pk}/"
    assert "Nadia Newcomer" not in rep_client.get(page).content.decode()  # the list is cached from here on
    newcomer = UserFactory(username="nadia", first_name="Nadia", last_name="Newcomer")
    newcomer.groups.add(Group.objects.get_or_create(name=REP)[0])
    assert "Nadia Newcomer" in rep_client.get(page).content.decode()
    newcomer.first_name = "Nadia-Rose"
    newcomer.save()
    assert "Nadia-Rose Newcomer" in rep_client.get(page).content.decode()
    newcomer.groups.clear()
    assert "Nadia-Rose Newcomer" not in rep_client.get(page).content.decode()
