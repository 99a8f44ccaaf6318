"""scoring.rep_work: after qualification, owners from the assignment rules and a call task for a HOT lead without
an email address, once however often it runs."""

import time_machine
from django.utils import timezone

from conftest import LeadFactory, UserFactory
from leads.models import AssignmentRule, Lead, Task
from scoring.rep_work import after_qualifying


def _rule(reps, **fields):  # type: ignore[no-untyped-def]
    rule = AssignmentRule.objects.create(name=fields.pop("name", "Inbound"), **fields)
    rule.reps.set(reps)
    return rule


def test_rules_share_new_leads_in_turn_up_to_the_cap_and_skip_leads_that_have_an_owner(db, manager):
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    _rule([ada, bob], source=Lead.Source.WEB_FORM, cap=2, period=AssignmentRule.Period.DAY)
    leads = [LeadFactory(source=Lead.Source.WEB_FORM) for _ in range(5)]
    owned = LeadFactory(source=Lead.Source.WEB_FORM, owner=manager)
    after_qualifying(None, [lead.pk for lead in leads] + [owned.pk])
    owners = [Lead.objects.get(pk=lead.pk).owner for lead in leads]
    assert owners == [ada, bob, ada, bob, None]  # each at the cap of 2 for the day
    assert Lead.objects.get(pk=owned.pk).owner == manager
    with time_machine.travel(timezone.now() + timezone.timedelta(days=1)):
        after_qualifying(None, [leads[4].pk])
    assert Lead.objects.get(pk=leads[4].pk).owner == ada
    entry = leads[0].activities.get(type="OWNER_CHANGED")
    assert (entry.actor_label, entry.payload["reason"]) == ("assignment rules", "assignment rule “Inbound”")


def test_the_first_matching_rule_decides_and_an_inactive_one_is_skipped(db):
    germany, hot, off = UserFactory(username="greta"), UserFactory(username="hank"), UserFactory(username="olaf")
    _rule([off], name="Off", position=0, is_active=False)
    _rule([germany], name="Germany", position=1, country="DE")
    _rule([hot], name="Hot", position=2, label=Lead.Label.HOT)
    german, hot_us, cold_us = (LeadFactory(country="DE", score_label="HOT"), LeadFactory(score_label="HOT"),
                               LeadFactory(score_label="COLD"))
    after_qualifying(None, [german.pk, hot_us.pk, cold_us.pk])
    assert [Lead.objects.get(pk=lead.pk).owner for lead in (german, hot_us, cold_us)] == [germany, hot, None]


def test_a_hot_lead_without_an_email_gets_one_call_task_for_its_new_owner(db, rep):
    _rule([rep])
    lead = LeadFactory(email="", phone="+49 30 1234567", score_label=Lead.Label.HOT, score_value=80,
                       status=Lead.Status.NEEDS_INFO)
    warm = LeadFactory(email="", score_label=Lead.Label.WARM, score_value=60)
    after_qualifying(None, [lead.pk, warm.pk])
    after_qualifying(None, [lead.pk, warm.pk])
    task = Task.objects.get()
    assert (task.lead, task.kind, task.assignee, task.source) == (lead, Task.Kind.CALL, rep, Task.Source.PIPELINE)
    assert "+49 30 1234567" in task.title


def test_qualifying_a_hot_lead_without_an_email_gives_it_an_owner_and_a_call_task_once(
        db, rep, django_capture_on_commit_callbacks):
    from scoring.pipeline import runner
    from scoring.tests.test_pipeline import HOT_LEAD

    _rule([rep])
    lead = LeadFactory(**{**HOT_LEAD, "email": "", "phone": "+1 415 555 0100",
                                    "website": "https://northwind-logistics.com", "source": Lead.Source.REFERRAL})
    for _ in range(2):  # a second run (a retry, an edit) makes no second task
        with django_capture_on_commit_callbacks(execute=True):
            runner.qualify([lead.pk])
    lead.refresh_from_db()
    # The rules hold it back to WARM for want of an address; its score is past the HOT cut-off.
    assert (lead.status, lead.owner) == (Lead.Status.NEEDS_INFO, rep) and lead.score_value >= 70
    task = Task.objects.get(lead=lead)
    assert (task.kind, task.assignee, task.source) == (Task.Kind.CALL, rep, Task.Source.PIPELINE)
