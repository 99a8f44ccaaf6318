"""leads.assignment: owners for one lead or many, each change on its lead's timeline."""

import pytest
from django.contrib.auth.models import Group

from conftest import LeadFactory, UserFactory
from leadops import jobs
from leadops.models import Job
from leadops.roles import REP
from leads.assignment import assign, assign_filtered, may_assign
from leads.models import ActivityLog, Lead

pytestmark = pytest.mark.django_db


def test_assigning_a_filter_result_changes_only_leads_with_another_owner_and_records_each(rep, manager):
    rep.first_name, rep.last_name = "Rita", "Reyes"
    rep.save()
    already = LeadFactory(owner=rep, score_label=Lead.Label.HOT)
    others = [LeadFactory(owner=manager, score_label=Lead.Label.HOT), LeadFactory(score_label=Lead.Label.HOT)]
    LeadFactory(score_label=Lead.Label.COLD)
    assert assign(Lead.objects.filter(score_label=Lead.Label.HOT), rep, manager, reason="territory") == 2
    assert set(Lead.objects.filter(owner=rep)) == {already, *others}
    entries = ActivityLog.objects.filter(type=ActivityLog.Type.OWNER_CHANGED)
    assert sorted((entry.payload["from"], entry.payload["to"]) for entry in entries) == [
        ("", "Rita Reyes"), ("max-manager", "Rita Reyes")]
    assert {(entry.actor, entry.payload["reason"]) for entry in entries} == {(manager, "territory")}
    assert not already.activities.filter(type=ActivityLog.Type.OWNER_CHANGED).exists()


def test_unassigning_a_selection_clears_the_owner_and_a_repeat_changes_nothing(rep, manager):
    leads = [LeadFactory(owner=rep), LeadFactory(owner=rep), LeadFactory()]
    assert assign(leads, None, manager) == 2
    assert assign(leads, None, manager) == 0
    assert not Lead.objects.filter(owner__isnull=False).exists()
    assert ActivityLog.objects.filter(type=ActivityLog.Type.OWNER_CHANGED, payload__to="").count() == 2


def test_a_program_assigning_is_named_on_the_timeline(rep):
    lead = LeadFactory()
    assert assign([lead], rep, "assignment rules") == 1
    entry = lead.activities.get(type=ActivityLog.Type.OWNER_CHANGED)
    assert (entry.actor, entry.actor_label) == (None, "assignment rules")


@pytest.fixture
def other_rep(db):  # type: ignore[no-untyped-def]
    user = UserFactory(username="otto-rep")
    user.groups.add(Group.objects.get_or_create(name=REP)[0])
    return user


def test_a_manager_may_give_anyones_leads_to_anyone_or_to_nobody(rep, other_rep, manager):
    leads = [LeadFactory(owner=rep), LeadFactory(owner=other_rep), LeadFactory()]
    for owner in (rep, other_rep, manager, None):
        assert may_assign(manager, leads, owner) == ""
        assert may_assign(manager, Lead.objects.all(), owner) == ""


def test_a_rep_takes_unowned_leads_and_gives_back_their_own(rep):
    mine, free = LeadFactory(owner=rep), LeadFactory()
    assert may_assign(rep, [mine, free], rep) == ""
    assert may_assign(rep, [mine], None) == ""
    assert may_assign(rep, Lead.objects.all(), rep) == ""


def test_a_rep_may_not_give_leads_to_someone_else_even_their_own(rep, other_rep):
    mine = LeadFactory(owner=rep)
    refusal = may_assign(rep, [mine], other_rep)
    assert refusal.startswith("Only a manager can give leads to someone else")
    assert may_assign(rep, Lead.objects.all(), other_rep) == refusal


def test_a_rep_may_neither_take_nor_unassign_another_reps_lead_and_is_told_whose_it_is(rep, other_rep):
    LeadFactory(owner=rep)
    theirs = LeadFactory(owner=other_rep, first_name="Ada", last_name="Lovelace")
    for leads in ([theirs], Lead.objects.all()):
        taken = may_assign(rep, leads, rep)
        assert "Only a manager can take leads another rep owns" in taken
        assert str(theirs) in taken and "otto-rep" in taken
        assert "Only a manager can unassign leads another rep owns" in may_assign(rep, leads, None)


def test_someone_in_no_role_may_not_assign_at_all(outsider):
    assert may_assign(outsider, [LeadFactory()], outsider) == "Only reps and managers can do this."


def test_the_worker_asks_again_and_stops_a_reps_filter_that_now_matches_another_reps_leads(rep, other_rep):
    free = LeadFactory(score_label=Lead.Label.HOT)
    theirs = LeadFactory(score_label=Lead.Label.HOT, owner=other_rep)
    job = jobs.start(Job.Kind.ASSIGN, "Assigning the hot leads", total=2, user=rep)
    assert assign_filtered("status=open&label=HOT", rep.pk, rep.pk, job.pk) == 0
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "Only a manager can take leads another rep owns" in job.message
    assert Lead.objects.get(pk=free.pk).owner is None and Lead.objects.get(pk=theirs.pk).owner == other_rep
