"""leads.assignment: owners for one lead or many, each change on its lead's timeline."""

import pytest

from conftest import LeadFactory
from leads.assignment import assign
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
