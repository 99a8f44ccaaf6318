"""System health, for managers: is the machinery behind the leads working?

`live()` reads what changes by the second and costs a cache or Redis call (queue depth, the LLM's circuit
breaker) on every view; `compute(period)` is the cached part: failures in the last day and the period, the
oldest work waiting, each scheduled job's last run, mailbox polls and failing webhook deliveries.
"""

import os
from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django_celery_beat.models import PeriodicTask

from console.reports.periods import Period
from console.reports.tables import Chart, Report, Table
from leadops import llm
from leadops.models import DeferredTask, Job
from leads.models import ActivityLog, Lead
from outreach.models import EmailDraft, Mailbox
from webhooks.models import Delivery

DEFAULT_QUEUE = "celery"
DAY = timedelta(days=1)


def _queues() -> list[str]:
    return sorted({DEFAULT_QUEUE, *settings.CELERY_TASK_ROUTES.values()})


def queue_depths() -> list[tuple[str, int | None]]:
    """Tasks waiting in each broker queue; None where the broker did not answer."""
    if not settings.REDIS_URL:
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        try:
            return [(DEFAULT_QUEUE, len(os.listdir(folder)) if folder else 0)]
        except OSError:
            return [(DEFAULT_QUEUE, None)]
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        return [(queue, int(client.llen(queue))) for queue in _queues()]
    except redis.RedisError:
        return [(queue, None) for queue in _queues()]


def live() -> dict[str, Any]:
    """The figures read on every view: queue depths, tasks waiting for the broker, the LLM's state."""
    status = llm.status()
    if not status.get("enabled"):
        breaker = "The LLM is off: rules and templates decide."
    elif status.get("breaker") == "open":
        breaker = "Open: the LLM failed repeatedly, so every call is skipped and rules and templates decide."
    else:
        breaker = "Closed: calls go to the LLM." + (" Its last call failed." if not status.get("ok") else "")
    return {"queues": queue_depths(), "outbox": DeferredTask.objects.count(), "breaker": breaker,
            "llm_ok": bool(status.get("ok"))}


def _age(since: Any, now: Any) -> str:
    if since is None:
        return "nothing waiting"
    minutes = int((now - since).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


def _failures(period: Period, report: Report) -> None:
    day = period.until - DAY
    jobs = Job.objects.order_by().filter(status=Job.Status.FAILED).aggregate(
        day=Count("pk", filter=Q(updated_at__gte=day)), period=Count("pk", filter=Q(updated_at__gte=period.since)))
    errors = ActivityLog.objects.order_by().filter(type=ActivityLog.Type.ERROR, created_at__gte=period.since,
                                                   created_at__lt=period.until)
    error_counts = errors.aggregate(day=Count("pk", filter=Q(created_at__gte=day)), period=Count("pk"))
    sends = EmailDraft.objects.order_by().filter(state=EmailDraft.State.FAILED, updated_at__gte=period.since)
    send_counts = sends.aggregate(day=Count("pk", filter=Q(updated_at__gte=day)), period=Count("pk"))
    deferred = DeferredTask.objects.aggregate(waiting=Count("pk"), failing=Count("pk", filter=~Q(error="")))
    rows = [["Background jobs that failed", jobs["day"], jobs["period"]],
            ["Errors on lead timelines", error_counts["day"], error_counts["period"]],
            ["Emails that failed to send", send_counts["day"], send_counts["period"]],
            ["Tasks waiting for the broker (now)", deferred["waiting"], deferred["waiting"]]]
    report.tables.append(Table("Failures", ["What failed", "Last day", period.label], rows))
    report.charts.append(Chart("Failures in the last day", [(row[0].split(" ")[0], row[1], "COLD") for row in rows]))
    report.headline.update({"Failed jobs (last day)": jobs["day"], "Timeline errors (last day)": error_counts["day"]})
    commonest = errors.values("payload__error").annotate(n=Count("pk")).order_by("-n")[:5]
    report.tables.append(Table("Commonest timeline errors in the period", ["Error", "Times"],
                               [[str(row["payload__error"] or "No message")[:200], row["n"]] for row in commonest]))


def _waiting(period: Period, report: Report) -> None:
    now = period.until
    approved = EmailDraft.objects.order_by().filter(state=EmailDraft.State.APPROVED).filter(
        Q(send_after__isnull=True) | Q(send_after__lte=now)).aggregate(n=Count("pk"), oldest=Min("approved_at"))
    unqualified = Lead.objects.order_by().filter(status=Lead.Status.NEW, score_label="").aggregate(
        n=Count("pk"), oldest=Min("created_at"))
    outbox = DeferredTask.objects.aggregate(oldest=Min("created_at"))
    report.tables.append(Table("Oldest work waiting", ["Work", "Waiting", "Oldest for"], [
        ["Approved emails due to be sent", approved["n"], _age(approved["oldest"], now)],
        ["New leads not yet qualified", unqualified["n"], _age(unqualified["oldest"], now)],
        ["Tasks kept while the broker was away", DeferredTask.objects.count(), _age(outbox["oldest"], now)],
    ], note="Celery's messages carry no sending time, so the age of the work itself is shown."))


def _schedules(report: Report) -> None:
    rows = [[task.name, "yes" if task.enabled else "no, switched off",
             f"{task.last_run_at:%Y-%m-%d %H:%M}" if task.last_run_at else "never", task.total_run_count]
            for task in PeriodicTask.objects.order_by("name")]
    report.tables.append(Table("Scheduled jobs", ["Job", "Enabled", "Last run", "Runs"], rows,
                               note="" if rows else "Beat has not started yet: it copies its schedule here."))


def _mailboxes(period: Period, report: Report) -> None:
    rows = [[box.name, box.email, f"{box.last_polled_at:%Y-%m-%d %H:%M}" if box.last_polled_at else "never",
             box.last_poll_error or "none"]
            for box in Mailbox.objects.filter(is_active=True).exclude(imap_host="").order_by("name")]
    report.tables.append(Table("Mailbox polls", ["Mailbox", "Address", "Last poll", "Last error"], rows,
                               note="" if rows else "No mailbox reads an inbox."))


def _webhooks(period: Period, report: Report) -> None:
    recent = Delivery.objects.order_by().filter(updated_at__gte=period.since)
    failing = (recent.filter(Q(state=Delivery.State.FAILED) | Q(state=Delivery.State.PENDING, attempts__gt=0))
               .values("endpoint", "endpoint__url")
               .annotate(failed=Count("pk", filter=Q(state=Delivery.State.FAILED)),
                         retrying=Count("pk", filter=Q(state=Delivery.State.PENDING)), last=Max("updated_at"))
               .order_by("-failed", "endpoint__url"))
    rows = []
    for row in failing:  # one row per receiver: a handful
        error = (recent.filter(endpoint=row["endpoint"]).exclude(last_error="").order_by("-updated_at")
                 .values_list("last_error", flat=True).first())
        rows.append([row["endpoint__url"], row["failed"], row["retrying"], f"{row['last']:%Y-%m-%d %H:%M}",
                     (error or "")[:200]])
    report.tables.append(Table("Webhook deliveries failing", ["Receiver", "Gave up", "Retrying", "Last try",
                                                              "Last error"], rows,
                               note="" if rows else "Every webhook delivery in the period went through."))


def compute(period: Period) -> Report:
    report = Report()
    _failures(period, report)
    _waiting(period, report)
    _schedules(report)
    _mailboxes(period, report)
    _webhooks(period, report)
    return report
