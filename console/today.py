"""Today: a rep's start page, in the order the day is worked: tasks due (overdue first), drafts waiting for them,
replies to answer, HOT leads new since yesterday. A manager sees their own, or the whole team's (`team=True`).

Each list is one query with a limit, on an index made for it where one is needed (a rep's open tasks by due time:
task_assignee_open_due_idx; recent replies: activity_reply_created_idx; new HOT leads: lead_label_created_idx),
plus one query for when each listed reply's lead was last emailed.
"""

import datetime
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from leadops.roles import is_manager
from leads.assignment import person_name
from leads.models import ActivityLog, Lead, Task
from outreach.gates import waiting_drafts
from outreach.replies import Classification

LIMIT = 50
# Replies older than this have been answered some other way, or will not be.
REPLY_WINDOW = datetime.timedelta(days=14)
# A reply of these kinds needs no answer from a person.
NO_ANSWER_NEEDED = (Classification.UNSUBSCRIBE, Classification.OUT_OF_OFFICE, Classification.BOUNCE)


def end_of_today() -> datetime.datetime:
    local = timezone.localtime()
    return local.replace(hour=23, minute=59, second=59, microsecond=999999)


def start_of_yesterday() -> datetime.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)


def tasks_due(user: Any, *, team: bool = False) -> list[Task]:
    """Open tasks due by the end of today (or with no date), overdue first."""
    tasks = Task.objects.filter(status=Task.Status.OPEN).filter(Q(due_at__lte=end_of_today()) | Q(due_at__isnull=True))
    if not team:
        tasks = tasks.filter(assignee=user)
    return list(tasks.select_related("lead", "assignee").order_by(
        Task._meta.ordering[0], "created_at")[:LIMIT])


def drafts_waiting(user: Any, *, team: bool = False) -> list[Any]:
    """Drafts in the review queue for the person's leads (the team's: every lead's), oldest first."""
    drafts = waiting_drafts(user)
    if not team:
        drafts = drafts.filter(lead__owner=user)
    return list(drafts.select_related("lead").only(
        "id", "subject", "variant", "created_at", "lead__id", "lead__first_name", "lead__last_name",
        "lead__email", "lead__external_id", "lead__erased_at", "lead__company_name", "lead__score_label",
    ).order_by("created_at")[:LIMIT])


def replies_to_answer(user: Any, *, team: bool = False) -> list[ActivityLog]:
    """The latest reply of each lead still being worked that no email has gone out after."""
    replies = (ActivityLog.objects.filter(type=ActivityLog.Type.REPLY_RECEIVED,
                                          created_at__gte=timezone.now() - REPLY_WINDOW)
               .exclude(payload__classification__in=NO_ANSWER_NEEDED)
               .exclude(lead__status__in=Lead.FINISHED_STATUSES))
    if not team:
        replies = replies.filter(lead__owner=user)
    latest: dict[Any, ActivityLog] = {}
    for entry in replies.select_related("lead").order_by("-created_at")[:LIMIT * 4]:
        latest.setdefault(entry.lead_id, entry)
    answered = dict(ActivityLog.objects.filter(lead_id__in=latest, type=ActivityLog.Type.EMAIL_SENT)
                    .values("lead_id").annotate(last=Max("created_at")).values_list("lead_id", "last"))
    waiting = [entry for lead_id, entry in latest.items()
               if lead_id not in answered or answered[lead_id] < entry.created_at]
    return sorted(waiting, key=lambda entry: entry.created_at)[:LIMIT]


def new_hot_leads(user: Any, *, team: bool = False) -> QuerySet[Lead]:
    """HOT leads that came in since yesterday began: the person's own and the ones nobody owns yet."""
    leads = (Lead.objects.filter(score_label=Lead.Label.HOT, created_at__gte=start_of_yesterday())
             .exclude(status__in=Lead.FINISHED_STATUSES))
    if not team:
        leads = leads.filter(Q(owner=user) | Q(owner__isnull=True))
    return leads.select_related("owner").order_by("-created_at")[:LIMIT]


def context(user: Any, *, team: bool = False) -> dict[str, Any]:
    team = team and is_manager(user)
    return {
        "team": team,
        "can_see_team": is_manager(user),
        "me_name": person_name(user),
        "tasks": tasks_due(user, team=team),
        "drafts": drafts_waiting(user, team=team),
        "replies": replies_to_answer(user, team=team),
        "hot_leads": list(new_hot_leads(user, team=team)),
        "now": timezone.now(),
    }


def wants_team(request: HttpRequest) -> bool:
    return (request.POST.get("team") or request.GET.get("team")) == "1"


def render_part(request: HttpRequest, part: str, *, notice: str = "", error: str = "",
                status: int = 200) -> HttpResponse:
    """One section of Today after an action taken on it, with what it says about that action."""
    data = {**context(request.user, team=wants_team(request)), "notice": notice, "error": error, "part": part}
    return render(request, f"leads/today.html#{part}", data, status=status)
