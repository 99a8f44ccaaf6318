"""Funnel and sources: the leads that arrived in the period, by source and label, through the statuses.

A lead's stage is the furthest its status shows (a closed-won lead was contacted and met); disqualified leads
leave the funnel where they are. Time in stage is read from the timeline's status changes: the days from a
lead's arrival to each status it reached. Calibration sets the scoring against the team's own outcomes:
for the leads with an outcome recorded in the period, per score band, the predicted chance of converting
(the learned model's probability, where it scored them) against the observed share that converted.
"""

from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q

from console.reports.periods import Period
from console.reports.stats import wilson
from console.reports.tables import Chart, Report, Table
from leads.models import ActivityLog, Feedback, Lead

Status = Lead.Status
# Each stage and the statuses that have passed it.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("Arrived", tuple(Status.values)),
    ("Qualified", (Status.QUALIFIED, Status.CONTACTED, Status.MEETING_BOOKED, Status.CLOSED_WON, Status.CLOSED_LOST)),
    ("Contacted", (Status.CONTACTED, Status.MEETING_BOOKED, Status.CLOSED_WON, Status.CLOSED_LOST)),
    ("Meeting booked", (Status.MEETING_BOOKED, Status.CLOSED_WON, Status.CLOSED_LOST)),
    ("Closed won", (Status.CLOSED_WON,)),
]
CONVERTED = (Status.MEETING_BOOKED, Status.CLOSED_WON)
BANDS = [(0, 20), (20, 40), (40, 60), (60, 80), (80, 101)]


def _stage_counts(rows: list[dict[str, Any]]) -> list[int]:
    return [sum(row["n"] for row in rows if row["status"] in statuses) for _name, statuses in STAGES]


def _by_group(groups: dict[str, list[dict[str, Any]]], title: str, names: dict[str, str]) -> Table:
    table_rows = []
    for key, rows in sorted(groups.items()):
        stages = _stage_counts(rows)
        converted = sum(row["n"] for row in rows if row["status"] in CONVERTED)
        disqualified = sum(row["n"] for row in rows if row["status"] == Status.DISQUALIFIED)
        table_rows.append([names.get(key, key) or "None", *stages, disqualified, str(wilson(converted, stages[0]))])
    return Table(title, [title.removeprefix("By ").capitalize(), *[name for name, _ in STAGES], "Disqualified",
                         "Converted, % (95 % CI)"], table_rows,
                 note="Converted: a meeting booked or closed won, of the leads that arrived.")


def _funnel(period: Period, report: Report) -> None:
    arrived = Lead.objects.order_by().filter(created_at__gte=period.since, created_at__lt=period.until)
    rows = list(arrived.values("source", "score_label", "status").annotate(n=Count("pk")))
    stages = _stage_counts(rows)
    report.charts.append(Chart("Funnel of the leads that arrived", [
        (name, count, f"status-{statuses[0]}" if len(statuses) == 1 else "WARM")
        for (name, statuses), count in zip(STAGES, stages)]))
    report.headline.update({"Leads arrived": stages[0], "Meetings booked (of those)": stages[3]})
    by_source: dict[str, list[dict[str, Any]]] = {}
    by_label: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(row["source"], []).append(row)
        by_label.setdefault(row["score_label"], []).append(row)
    report.tables.append(_by_group(by_source, "By source", dict(Lead.Source.choices)))
    report.tables.append(_by_group(by_label, "By label", {"": "Not scored"}))
    report.charts.append(Chart("Arrivals by source", [(dict(Lead.Source.choices).get(key, key), sum(
        row["n"] for row in group), "WARM") for key, group in sorted(by_source.items())]))


def _time_in_stage(period: Period, report: Report) -> None:
    changes = (ActivityLog.objects.order_by()
               .filter(type=ActivityLog.Type.STATUS_CHANGED, lead__created_at__gte=period.since,
                       lead__created_at__lt=period.until, created_at__lt=period.until)
               .exclude(payload__to=None)
               .values("payload__to")
               .annotate(leads=Count("lead", distinct=True),
                         wait=Avg(ExpressionWrapper(F("created_at") - F("lead__created_at"),
                                                    output_field=DurationField()))))
    labels = dict(Status.choices)
    rows = []
    for row in sorted(changes, key=lambda row: list(labels).index(row["payload__to"])
                      if row["payload__to"] in labels else 99):
        wait: timedelta | None = row["wait"]
        days = wait.total_seconds() / 86400 if wait is not None else None
        rows.append([labels.get(row["payload__to"], row["payload__to"]), row["leads"],
                     f"{days:.1f}" if days is not None else "–"])
    report.tables.append(Table("Time to each status (leads that arrived in the period)",
                               ["Status reached", "Leads", "Days from arrival, on average"], rows))


def _calibration(period: Period, report: Report) -> None:
    outcomes = Feedback.objects.order_by().filter(created_at__gte=period.since, created_at__lt=period.until)
    positive = Q(outcome__in=Feedback.POSITIVE)
    rows = []
    for low, high in BANDS:
        band = outcomes.filter(lead__score_value__gte=low, lead__score_value__lt=high).aggregate(
            leads=Count("lead", distinct=True), converted=Count("lead", filter=positive, distinct=True),
            predicted=Avg("lead__score_probability"))
        predicted = band["predicted"]
        rows.append([f"Score {low}-{min(high, 100) - (0 if high > 100 else 1)}", band["leads"],
                     f"{100 * predicted:.1f} %" if predicted is not None else "– (scored by rules: points)",
                     str(wilson(band["converted"], band["leads"]))])
    by_label = outcomes.values("lead__score_label").annotate(
        leads=Count("lead", distinct=True), converted=Count("lead", filter=positive, distinct=True),
        predicted=Avg("lead__score_probability")).order_by("lead__score_label")
    for row in by_label:
        predicted = row["predicted"]
        rows.append([f"Label {row['lead__score_label'] or 'none'}", row["leads"],
                     f"{100 * predicted:.1f} %" if predicted is not None else "–",
                     str(wilson(row["converted"], row["leads"]))])
    report.tables.append(Table(
        "Calibration on the team's own outcomes", ["Band", "Leads with an outcome", "Predicted chance",
                                                   "Observed conversion, % (95 % CI)"], rows,
        note="Outcomes recorded in the period. A well-calibrated score predicts about what is observed; a rule score "
             "is points, not a chance, so only learned versions give a prediction."))


def compute(period: Period) -> Report:
    report = Report()
    _funnel(period, report)
    _time_in_stage(period, report)
    _calibration(period, report)
    return report
