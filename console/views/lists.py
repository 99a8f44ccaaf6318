"""Saved lists: keep a dashboard filter under a name (private or shared), open it, and act on its leads: assign
them, start their follow-ups, download them as CSV."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from console import dashboard
from console.work_forms import OwnerForm
from leadops.http import HtmxHttpRequest
from leadops.roles import role_required
from leads import lists
from leads.assignment import assign, may_assign, person_name
from leads.export import ExportFormat, LeadExport
from leads.filters import LeadFilters
from leads.models import Lead, LeadList
from outreach import sequences
from outreach.models import EmailDraft, Enrollment

SHOWN = 50
# Starting follow-ups is one enrollment per lead: a click handles this many, and says when there were more.
ENROL_LIMIT = 2000


def _visible(request: HtmxHttpRequest, list_id: int) -> LeadList:
    return get_object_or_404(lists.visible_lists(request.user), pk=list_id)


def _described(lead_list: LeadList) -> str:
    """The saved filters in words ("Label: Hot · Owner: me"), or that the list is its picked leads."""
    filters = lists.clean_filters(lead_list.filters)
    if not filters:
        return "Leads added to it by hand"
    names = {"q": "Search", "status": "Status", "label": "Label", "source": "Source", "owner": "Owner",
             "created_from": "Created from", "created_to": "Created to"}
    labels = {**dict(Lead.Status.choices), **dict(Lead.Label.choices), **dict(Lead.Source.choices),
              "open": "open leads", "all": "every status", "me": "whoever opens it", "none": "nobody"}
    owners = dict(dashboard.owner_choices())
    words = []
    for key, value in filters.items():
        shown = owners.get(int(value), value) if key == "owner" and value.isdigit() else labels.get(value, value)
        words.append(f"{names[key]}: {shown}")
    return " · ".join(words)


@role_required
@require_GET
def lists_page(request: HtmxHttpRequest) -> HttpResponse:
    rows = [{"list": each, "described": _described(each), "owner": person_name(each.owner)}
            for each in lists.visible_lists(request.user)]
    return render(request, "leads/lists.html", {"rows": rows})


@role_required
@require_POST
def save_list(request: HtmxHttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()
    query = request.POST.get("query", "")
    if not name:
        messages.error(request, "List name: give the list a name (it is empty).")
        return redirect(reverse("leads:dashboard") + (f"?{query}" if query else ""))
    filters = QueryDict(query)
    problems = LeadFilters.from_query(filters).errors
    if problems:
        messages.error(request, " ".join(problems.values()))
        return redirect("leads:dashboard")
    lead_list = lists.save_list(name, request.user, filters=filters, shared=request.POST.get("shared") == "1")
    shared = " and shared with the team" if lead_list.shared else ""
    messages.success(request, f"List “{lead_list.name}” saved{shared}.")
    return redirect("leads:list_detail", list_id=lead_list.pk)


@role_required
@require_GET
def list_detail(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    lead_list = _visible(request, list_id)
    leads = lists.leads_in(lead_list, user=request.user)
    return render(request, "leads/list_detail.html", {
        "lead_list": lead_list, "described": _described(lead_list), "owner_name": person_name(lead_list.owner),
        "count": leads.count(), "leads": list(leads.select_related("owner").order_by("-created_at")[:SHOWN]),
        "shown": SHOWN, "owners": dashboard.owner_choices(), "is_owner": lead_list.owner_id == request.user.pk,
    })


@role_required
@require_POST
def list_act(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    lead_list = _visible(request, list_id)
    leads = lists.leads_in(lead_list, user=request.user)
    action = request.POST.get("action")
    if action == "assign":
        form = OwnerForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["owner"]))
        elif refusal := may_assign(request.user, leads, form.cleaned_data["owner"]):
            messages.error(request, refusal)
        else:
            owner = form.cleaned_data["owner"]
            changed = assign(leads, owner, request.user, reason=f"list “{lead_list.name}”")
            messages.success(request, f"{changed} lead{'s' if changed != 1 else ''} "
                                      f"{f'assigned to {person_name(owner)}' if owner else 'no longer have an owner'}.")
    elif action == "enrol":
        _enrol(request, leads)
    elif action == "delete":
        if lead_list.owner_id != request.user.pk:
            raise PermissionDenied("Only the person who made a list can delete it.")
        lead_list.delete()
        messages.success(request, f"List “{lead_list.name}” deleted; its leads are untouched.")
        return redirect("leads:lists")
    else:
        messages.error(request, "Choose what to do with the list's leads.")
    return redirect("leads:list_detail", list_id=lead_list.pk)


def _enrol(request: HtmxHttpRequest, leads) -> None:  # type: ignore[no-untyped-def]
    """Start the default sequence's follow-ups for the list's leads whose first email went out."""
    sent = EmailDraft.objects.filter(lead=OuterRef("pk"), state=EmailDraft.State.SENT)
    in_one = Enrollment.objects.filter(lead=OuterRef("pk"), status__in=Enrollment.OPEN_STATUSES)
    ready = (leads.exclude(status__in=Lead.FINISHED_STATUSES).filter(Exists(sent)).exclude(Exists(in_one))
             .order_by("created_at"))
    total = leads.count()
    started = 0
    now = timezone.now()
    for lead in ready[:ENROL_LIMIT]:
        # The first touch already sent is the sequence's first step; without one, the sequence starts with it.
        first_touch = lead.drafts.filter(state=EmailDraft.State.SENT,
                                         variant=EmailDraft.Variant.FIRST_TOUCH).order_by("sent_at").first()
        started += sequences.enroll(lead, now, first_touch=first_touch) is not None
    others = total - started
    messages.success(request, f"Follow-ups started for {started} lead{'s' if started != 1 else ''}." + (
        f" {others} not: already in a sequence, finished, or their first email has not gone out yet "
        "(approve it in the review queue first)." if others else ""))


@role_required
@require_GET
def list_export(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    lead_list = _visible(request, list_id)
    export = LeadExport(lists.leads_in(lead_list, user=request.user), format=ExportFormat.CSV)
    response = StreamingHttpResponse(export.chunks(), content_type="text/csv; charset=utf-8")
    name = slugify(lead_list.name) or "list"
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.now():%Y%m%d-%H%M}.csv"'
    return response
