"""Read tools about numbers: counts and rates over any period, the pipeline, sequences, and won deals."""

import datetime
from typing import Any, Literal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from assistant.tools.registry import Context, ToolProblem, tool
from assistant.tools.selection import Selection, matching
from leads.models import ActivityLog, Feedback, Lead
from leads.outcomes import conversion_by_label
from outreach.gates import waiting_drafts
from outreach.models import EmailDraft, Enrollment, SequenceStep

Period = Literal["today", "this_week", "last_7_days", "this_month", "last_30_days", "this_year", "all_time"]
# Each event: the rows it counts, their time field, and the path from a row to its lead.
EVENTS = ("replies", "interested_replies", "sends", "bounces", "unsubscribes", "new_leads", "conversions",
          "meetings", "won_deals")
GROUPS = {"source": "source", "label": "score_label", "owner": "owner__username"}


def period_range(period: str, since: datetime.date | None = None, until: datetime.date | None = None
                 ) -> tuple[datetime.datetime | None, datetime.datetime]:
    """The period as [start, end): named periods in the local time zone, or explicit dates (end day included)."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if since or until:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min)) if since else None
        end = (timezone.make_aware(datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min))
               if until else now)
        return start, end
    starts = {
        "today": midnight, "this_week": midnight - datetime.timedelta(days=midnight.weekday()),
        "last_7_days": now - datetime.timedelta(days=7), "this_month": midnight.replace(day=1),
        "last_30_days": now - datetime.timedelta(days=30), "this_year": midnight.replace(month=1, day=1),
        "all_time": None,
    }
    return starts[period], now


def _rows(event: str) -> tuple[QuerySet[Any], str, str]:
    """(rows, time field, lead prefix) of an event."""
    activity = {"replies": Q(type=ActivityLog.Type.REPLY_RECEIVED),
                "interested_replies": Q(type=ActivityLog.Type.REPLY_RECEIVED, payload__classification="interested"),
                "bounces": Q(type=ActivityLog.Type.BOUNCED), "unsubscribes": Q(type=ActivityLog.Type.UNSUBSCRIBED)}
    if event in activity:
        return ActivityLog.objects.filter(activity[event]), "created_at", "lead__"
    if event == "sends":
        return EmailDraft.objects.filter(sent_at__isnull=False), "sent_at", "lead__"
    if event == "new_leads":
        return Lead.objects.all(), "created_at", ""
    outcomes = {"conversions": Feedback.POSITIVE, "meetings": (Feedback.Outcome.BOOKED_DEMO,),
                "won_deals": (Feedback.Outcome.CLOSED_WON,)}
    return Feedback.objects.filter(outcome__in=outcomes[event]), "created_at", "lead__"


class CountArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: Literal[EVENTS] = Field(description="What to count")  # type: ignore[valid-type]
    period: Period = "this_week"
    since: datetime.date | None = Field(None, description="First day, only for a question that names dates; "
                                                          "leave out with a named period")
    until: datetime.date | None = Field(None, description="Last day, included; only with dates the question names")
    group_by: Literal["", "source", "label", "owner", "sequence_step"] = ""

    def dates(self) -> tuple[datetime.date | None, datetime.date | None]:
        """The explicit dates, unless a named period was chosen too: small models fill since/until with dates of
        their own (often from their training year) beside "this_month", and the period the question named wins."""
        if "period" in self.model_fields_set:
            return None, None
        return self.since, self.until


@tool("count_events", "Count replies, interested replies, sends, bounces, unsubscribes, new leads, conversions, "
      "meetings or won deals over a period, optionally by source, label, owner or sequence step; replies, bounces "
      "and unsubscribes also get a rate per email sent.", CountArguments)
def count_events(context: Context, arguments: CountArguments) -> dict[str, Any]:
    since, until = arguments.dates()
    if since and until and since > until:
        raise ToolProblem(f"The first day ({since}) is after the last ({until}).")
    start, end = period_range(arguments.period, since, until)
    events, when, lead = _rows(arguments.event)
    events = events.filter(**{f"{when}__lt": end}, **({f"{when}__gte": start} if start else {}))
    result: dict[str, Any] = {"event": arguments.event, "from": start.date().isoformat() if start else "the start",
                              "to": end.date().isoformat(), "total": events.count()}
    sends = EmailDraft.objects.filter(sent_at__lt=end, **({"sent_at__gte": start} if start else {}))
    rated = arguments.event in ("replies", "interested_replies", "bounces", "unsubscribes")
    if rated:
        result["emails_sent"] = sends.count()
        result["rate_percent"] = _percent(result["total"], result["emails_sent"])
    if arguments.group_by == "sequence_step":
        if arguments.event != "sends":
            raise ToolProblem("Grouping by sequence step works for sends; use sequence_performance for replies.")
        groups = events.order_by().values(step=F("sequence_step__position")).annotate(count=Count("*"))
        result["groups"] = [{"sequence_step": row["step"] or "first email", "count": row["count"]}
                            for row in groups.order_by("step")]
    elif arguments.group_by:
        field = lead + GROUPS[arguments.group_by]
        groups = events.order_by().values(group=F(field)).annotate(count=Count("*")).order_by("-count")
        sent = {row["group"]: row["count"] for row in sends.order_by().values(group=F("lead__" + GROUPS[
            arguments.group_by])).annotate(count=Count("*"))} if rated else {}
        result["groups"] = [{arguments.group_by: row["group"] or "none", "count": row["count"],
                             **({"emails_sent": sent.get(row["group"], 0),
                                 "rate_percent": _percent(row["count"], sent.get(row["group"], 0))} if rated else {})}
                            for row in groups]
    return result


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class NoArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")


@tool("pipeline_report", "The pipeline now: leads by status and label, drafts waiting for review, and how each "
      "label converts.", NoArguments)
def pipeline_report(context: Context, arguments: NoArguments) -> dict[str, Any]:
    by_status = dict(Lead.objects.order_by().values_list("status").annotate(n=Count("*")))
    by_label = dict(Lead.objects.order_by().values_list("score_label").annotate(n=Count("*")))
    return {"total_leads": sum(by_status.values()),
            "by_status": {status.label: by_status.get(status.value, 0) for status in Lead.Status},
            "by_label": {label.value: by_label.get(label.value, 0) for label in Lead.Label}
            | {"unscored": by_label.get("", 0)},
            "drafts_waiting_for_you": waiting_drafts(context.user).count(),
            "conversion_by_label": conversion_by_label()}


@tool("sequence_performance", "Follow-up sequences and their steps, best first: emails sent, leads who replied "
      "after each, and the reply rate.", NoArguments)
def sequence_performance(context: Context, arguments: NoArguments) -> dict[str, Any]:
    replied_after = Exists(ActivityLog.objects.filter(lead=OuterRef("lead"), type=ActivityLog.Type.REPLY_RECEIVED,
                                                      created_at__gt=OuterRef("sent_at")))
    steps = []
    for step in SequenceStep.objects.select_related("sequence"):
        sent = EmailDraft.objects.filter(sequence_step=step, sent_at__isnull=False)
        count = sent.count()
        replied = sent.filter(replied_after).values("lead").distinct().count()
        steps.append({"sequence": step.sequence.name, "step": step.position, "email": step.get_variant_display(),
                      "sent": count, "replied": replied, "reply_rate_percent": _percent(replied, count)})
    sequences = []
    for name in dict.fromkeys(step["sequence"] for step in steps):
        mine = [step for step in steps if step["sequence"] == name]
        enrolled = Enrollment.objects.filter(sequence__name=name)
        replied = enrolled.filter(Exists(ActivityLog.objects.filter(
            lead=OuterRef("lead"), type=ActivityLog.Type.REPLY_RECEIVED, created_at__gt=OuterRef("started_at"))))
        total = enrolled.count()
        sequences.append({"sequence": name, "leads_enrolled": total, "leads_replied": replied.count(),
                          "reply_rate_percent": _percent(replied.count(), total),
                          "active": enrolled.filter(status=Enrollment.Status.ACTIVE).count(), "steps": mine})
    sequences.sort(key=lambda row: row["reply_rate_percent"] or 0, reverse=True)
    return {"sequences": sequences}


@tool("won_deal_patterns", "What the won deals have in common: closed-won leads by source, industry, company size "
      "and label, each with its win rate among closed leads.", NoArguments)
def won_deal_patterns(context: Context, arguments: NoArguments) -> dict[str, Any]:
    closed = Lead.objects.filter(status__in=(Lead.Status.CLOSED_WON, Lead.Status.CLOSED_LOST))
    won = Q(status=Lead.Status.CLOSED_WON)
    patterns = {}
    for name, field in (("source", "source"), ("industry", "industry"), ("company_size", "company_size"),
                        ("label", "score_label")):
        groups = closed.order_by().values(field).annotate(closed=Count("*"), won=Count("pk", filter=won))
        patterns[name] = sorted(({name: row[field] or "unknown", "won": row["won"], "closed": row["closed"],
                                  "win_rate_percent": _percent(row["won"], row["closed"])} for row in groups
                                 if row["won"]), key=lambda row: (-row["won"], row[name]))[:6]
    return {"won_deals": closed.filter(won).count(), "closed_deals": closed.count(), "patterns": patterns}


class ApproachArguments(Selection):
    pass


@tool("approach_used", "How these leads were worked (e.g. the software companies: industry='Software'): the email "
      "templates and sequences used on them, with emails sent and leads who replied after, best first. To use the "
      "same approach on other leads, pass the best template to propose_follow_up.", ApproachArguments)
def approach_used(context: Context, arguments: ApproachArguments) -> dict[str, Any]:
    leads = matching(context, arguments.model_copy(update={"status": arguments.status or "all"}))
    sent = EmailDraft.objects.filter(lead__in=leads, sent_at__isnull=False)
    replied_after = Exists(ActivityLog.objects.filter(lead=OuterRef("lead"), type=ActivityLog.Type.REPLY_RECEIVED,
                                                      created_at__gt=OuterRef("sent_at")))
    templates = [{"template": row["template_key"] or row["variant"], "emails_sent": row["sent"],
                  "leads_replied": row["replied"], "reply_rate_percent": _percent(row["replied"], row["sent"])}
                 for row in sent.order_by().values("template_key", "variant").annotate(
                     sent=Count("*"), replied=Count("lead", filter=Q(replied_after), distinct=True))]
    templates.sort(key=lambda row: (row["reply_rate_percent"] or 0, row["emails_sent"]), reverse=True)
    sequences = [{"sequence": row["sequence__name"], "leads_enrolled": row["n"]} for row in Enrollment.objects.filter(
        lead__in=leads).order_by().values("sequence__name").annotate(n=Count("*")).order_by("-n")]
    return {"leads_matched": leads.count(), "templates": templates[:8], "sequences": sequences[:5],
            "best_template": templates[0]["template"] if templates else None}
