"""Saved lists of leads: a dashboard filter kept under a name, leads added by hand, or both.

A list's leads are its filter's result (read again each time, so new matching leads join it) together with its
members. A list with no filter is its members only, never "every lead".
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict

from leads.filters import LeadFilters, filtered_leads
from leads.models import Lead, LeadList, LeadListMember

# The dashboard query parameters a list keeps: paging and sorting are how one looks at it, not what it holds.
FILTER_KEYS = ("q", "status", "label", "source", "owner", "created_from", "created_to")


def clean_filters(filters: dict[str, Any] | QueryDict | None) -> dict[str, str]:
    """The filter part of a dashboard query, as a list stores it (empty values dropped)."""
    if not filters:
        return {}
    return {key: str(filters.get(key, "")).strip() for key in FILTER_KEYS if str(filters.get(key, "")).strip()}


def list_filters(lead_list: LeadList) -> LeadFilters:
    query = QueryDict(mutable=True)
    query.update(lead_list.filters or {})
    return LeadFilters.from_query(query)


def save_list(name: str, owner: Any, *, filters: dict[str, Any] | QueryDict | None = None,
              shared: bool = False) -> LeadList:
    """Keep a filter under a name (the owner's list of that name is updated, not duplicated)."""
    lead_list, _ = LeadList.objects.update_or_create(
        owner=owner, name=name.strip()[:100], defaults={"filters": clean_filters(filters), "shared": shared})
    return lead_list


def add_to_list(lead_list: LeadList, leads: QuerySet[Lead] | Iterable[Lead], by: Any) -> int:
    """Add leads (a queryset or any iterable of leads) to the list; returns how many were not in it yet."""
    ids = (leads.values_list("pk", flat=True) if isinstance(leads, QuerySet) else [lead.pk for lead in leads])
    user = by if getattr(by, "is_authenticated", False) else None
    before = lead_list.memberships.count()
    LeadListMember.objects.bulk_create(
        (LeadListMember(lead_list=lead_list, lead_id=pk, added_by=user) for pk in ids),
        batch_size=1000, ignore_conflicts=True)
    return lead_list.memberships.count() - before


def remove_from_list(lead_list: LeadList, leads: QuerySet[Lead] | Iterable[Lead]) -> int:
    ids = (leads.values_list("pk", flat=True) if isinstance(leads, QuerySet) else [lead.pk for lead in leads])
    return lead_list.memberships.filter(lead_id__in=ids).delete()[0]


def leads_in(lead_list: LeadList, *, user: Any = None) -> QuerySet[Lead]:
    """The list's leads: its filter's result (read for `user`, else its owner: "owner=me") and its members."""
    members = Q(pk__in=lead_list.memberships.values("lead_id"))
    filters = clean_filters(lead_list.filters)
    if not filters:
        return Lead.objects.filter(members)
    matching = filtered_leads(list_filters(lead_list), user or lead_list.owner)
    return Lead.objects.filter(Q(pk__in=matching.values("pk")) | members)


def visible_lists(user: Any) -> QuerySet[LeadList]:
    """The lists a person may open: their own and the team's shared ones."""
    return LeadList.objects.filter(Q(owner=user) | Q(shared=True)).select_related("owner")
