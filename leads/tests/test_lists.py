"""leads.lists: saved filters and hand-picked leads under a name, private or shared."""

import pytest

from conftest import LeadFactory, UserFactory
from leads import lists
from leads.models import Lead

pytestmark = pytest.mark.django_db


def test_a_saved_filter_finds_leads_that_match_later_too(rep):
    LeadFactory(score_label=Lead.Label.WARM)
    hot_list = lists.save_list("Hot ones", rep, filters={"label": "HOT", "sort": "score", "after": "x"})
    assert hot_list.filters == {"label": "HOT"}
    later = LeadFactory(score_label=Lead.Label.HOT)
    assert list(lists.leads_in(hot_list)) == [later]


def test_a_list_is_its_filters_result_and_its_members_and_without_a_filter_only_its_members(rep):
    hot, added, other = (LeadFactory(score_label=Lead.Label.HOT), LeadFactory(score_label=Lead.Label.COLD),
                         LeadFactory(score_label=Lead.Label.COLD))
    mixed = lists.save_list("Mixed", rep, filters={"label": "HOT"})
    assert lists.add_to_list(mixed, [added], rep) == 1
    assert set(lists.leads_in(mixed)) == {hot, added}
    picked = lists.save_list("Picked", rep)
    assert lists.add_to_list(picked, Lead.objects.filter(pk__in=[added.pk, other.pk]), rep) == 2
    assert lists.add_to_list(picked, [added], rep) == 0  # already in it
    assert set(lists.leads_in(picked)) == {added, other}
    assert lists.remove_from_list(picked, [other]) == 1
    assert list(lists.leads_in(picked)) == [added]


def test_owner_me_in_a_shared_list_means_whoever_opens_it(rep, manager):
    mine, theirs = LeadFactory(owner=rep), LeadFactory(owner=manager)
    shared = lists.save_list("My leads", manager, filters={"owner": "me"}, shared=True)
    assert list(lists.leads_in(shared)) == [theirs]
    assert list(lists.leads_in(shared, user=rep)) == [mine]


def test_private_lists_are_seen_by_their_owner_only_and_saving_a_name_again_updates_it(rep, manager):
    private = lists.save_list("Mine", manager, filters={"label": "HOT"})
    shared = lists.save_list("Team", manager, shared=True)
    own = lists.save_list("Rita's", rep)
    assert set(lists.visible_lists(rep)) == {shared, own}
    assert set(lists.visible_lists(manager)) == {private, shared}
    again = lists.save_list("Mine", manager, filters={"label": "WARM"})
    assert again.pk == private.pk and again.filters == {"label": "WARM"}
    assert set(lists.visible_lists(UserFactory())) == {shared}
