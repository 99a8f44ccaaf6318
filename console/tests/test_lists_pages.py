"""Saved lists from the dashboard: saved, opened, assigned, exported; private ones stay private."""

import pytest

from conftest import LeadFactory
from leads.models import Lead, LeadList

pytestmark = pytest.mark.django_db


def test_a_saved_filter_opens_as_a_list_and_its_leads_are_assigned_and_exported(rep, rep_client):
    LeadFactory(first_name="Hana", score_label=Lead.Label.HOT, country="DE")
    LeadFactory(first_name="Cole", score_label=Lead.Label.COLD, country="DE")
    LeadFactory(first_name="=HYPERLINK(1)", score_label=Lead.Label.HOT, country="DE")
    saved = rep_client.post("/lists/save/", {"name": "Hot in Germany", "query": "status=open&label=HOT&page=3",
                                             "shared": "1"}, follow=True)
    page = saved.content.decode()
    assert "List “Hot in Germany” saved and shared with the team." in page
    assert "Label: Hot" in page and "2 leads" in page and "Hana" in page and "Cole" not in page
    lead_list = LeadList.objects.get()
    assert lead_list.filters == {"status": "open", "label": "HOT"}
    done = rep_client.post(f"/lists/{lead_list.pk}/act/", {"action": "assign", "owner": rep.pk}, follow=True)
    assert "2 leads assigned to rita-rep." in done.content.decode()
    assert Lead.objects.filter(owner=rep).count() == 2
    csv = b"".join(rep_client.get(f"/lists/{lead_list.pk}/export.csv").streaming_content).decode()
    assert "Hana" in csv and "Cole" not in csv and "'=HYPERLINK(1)" in csv


def test_a_private_list_is_not_found_by_others(rep, manager_client, rep_client):
    rep_client.post("/lists/save/", {"name": "Mine", "query": "label=HOT"})
    lead_list = LeadList.objects.get()
    assert manager_client.get(f"/lists/{lead_list.pk}/").status_code == 404
    assert "Mine" not in manager_client.get("/lists/").content.decode()
    assert "Mine" in rep_client.get("/lists/").content.decode()


def test_a_list_without_a_name_is_refused_in_words(rep_client):
    response = rep_client.post("/lists/save/", {"name": " ", "query": "label=HOT"}, follow=True)
    assert "List name: give the list a name (it is empty)." in response.content.decode()
    assert not LeadList.objects.exists()


def test_a_rep_cannot_take_a_lists_leads_while_another_rep_owns_one_of_them(rep, manager, rep_client):
    LeadFactory(score_label=Lead.Label.HOT)
    LeadFactory(score_label=Lead.Label.HOT, owner=manager)
    rep_client.post("/lists/save/", {"name": "Hot", "query": "label=HOT", "shared": "1"})
    lead_list = LeadList.objects.get()
    done = rep_client.post(f"/lists/{lead_list.pk}/act/", {"action": "assign", "owner": rep.pk}, follow=True)
    assert 'class="message error">Only a manager can take leads another rep owns' in done.content.decode()
    assert not Lead.objects.filter(owner=rep).exists()
