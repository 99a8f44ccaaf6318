"""Sequences: per sequence and step, what went out and what came back, with 95 % Wilson intervals.

A reply or a bounce counts for the step of the email it answered (the activity's "draft"); an unsubscribe, a
booked meeting or a stop for any other reason counts for the step the enrolment had reached when it stopped.
Each step's row carries its variants (the template each email was drawn from): with one template a step has
no variant columns, with two or more (an A/B test) they sit side by side in the "Variants" table.
Opens and clicks appear only when tracking is on (settings.EMAIL_TRACKING), and opens are a lower bound at best.
"""

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery, UUIDField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Replace

from console.reports.periods import Period
from console.reports.stats import wilson
from console.reports.tables import Chart, Report, Table
from leads.models import ActivityLog
from outreach.models import EmailDraft, Enrollment, SequenceStep, TrackingEvent
from outreach.replies import Classification

INTENTS = [Classification.INTERESTED, Classification.NOT_NOW, Classification.WRONG_PERSON,
           Classification.OUT_OF_OFFICE, Classification.OTHER]
# How an enrolment's stop reason (outreach.stopping) reads, for the columns it counts in.
STOPPED_BY = {"unsubscribes": Q(stop_reason__istartswith="opted out") | Q(stop_reason__icontains="(unsubscribe)"),
              "meetings": Q(stop_reason__icontains="booked demo") | Q(lead__status="MEETING_BOOKED")}


def _draft_key() -> Any:
    """The activity's "draft" (a UUID's text, with dashes) as the drafts' primary key column holds it: a uuid on
    PostgreSQL, 32 hex digits without dashes on SQLite (the embedded default)."""
    if connection.vendor == "postgresql":
        return Cast(KT("payload__draft"), UUIDField())
    return Replace(KT("payload__draft"), Value("-"), Value(""))


def _answered(period: Period, kind: str) -> Any:
    """Activities of `kind` in the period, each with the step and template of the email it answered."""
    draft = EmailDraft.objects.filter(pk=OuterRef("draft_id"))
    return (ActivityLog.objects.order_by().filter(type=kind, created_at__gte=period.since,
                                                  created_at__lt=period.until)
            .exclude(payload__draft=None).annotate(draft_id=_draft_key())
            .annotate(step=Subquery(draft.values("sequence_step")), template=Subquery(draft.values("template_key")))
            .filter(step__isnull=False))


def _counts(period: Period) -> dict[tuple[int, str], dict[str, int]]:
    """(step id, template key) -> figure -> count."""
    figures: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sent = (EmailDraft.objects.order_by().filter(state=EmailDraft.State.SENT, sequence_step__isnull=False,
                                                 sent_at__gte=period.since, sent_at__lt=period.until)
            .values("sequence_step", "template_key").annotate(n=Count("pk")))
    for row in sent:
        figures[(row["sequence_step"], row["template_key"])]["sent"] += row["n"]
    for row in _answered(period, ActivityLog.Type.REPLY_RECEIVED).values(
            "step", "template", "payload__classification").annotate(n=Count("pk")):
        intent = row["payload__classification"]
        figures[(row["step"], row["template"])]["replies"] += row["n"]
        figures[(row["step"], row["template"])][f"reply:{intent}"] += row["n"]
    for row in _answered(period, ActivityLog.Type.BOUNCED).values("step", "template").annotate(n=Count("pk")):
        figures[(row["step"], row["template"])]["bounces"] += row["n"]
    if settings.EMAIL_TRACKING:
        events = (TrackingEvent.objects.order_by().filter(counted=True, created_at__gte=period.since,
                                                          created_at__lt=period.until)
                  .values("draft__sequence_step", "draft__template_key", "kind")
                  .annotate(n=Count("draft", distinct=True)))
        for row in events:
            figures[(row["draft__sequence_step"], row["draft__template_key"])][f"{row['kind']}s"] += row["n"]
    return figures


def _stops(period: Period) -> dict[tuple[int, int], dict[str, int]]:
    """(sequence id, step position) -> enrolled / finished / unsubscribes / meetings / stopped."""
    found: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    enrolments = Enrollment.objects.order_by()
    for row in enrolments.filter(started_at__gte=period.since, started_at__lt=period.until).values(
            "sequence").annotate(n=Count("pk")):
        found[(row["sequence"], 1)]["enrolled"] += row["n"]
    stopped = Q(status=Enrollment.Status.STOPPED)
    ended = enrolments.filter(
        Q(status=Enrollment.Status.STOPPED, stopped_at__gte=period.since, stopped_at__lt=period.until)
        | Q(status=Enrollment.Status.FINISHED, updated_at__gte=period.since, updated_at__lt=period.until))
    for row in ended.values("sequence", "last_step_position").annotate(
            finished=Count("pk", filter=Q(status=Enrollment.Status.FINISHED)),
            stopped=Count("pk", filter=Q(status=Enrollment.Status.STOPPED)),
            **{name: Count("pk", filter=rule & stopped) for name, rule in STOPPED_BY.items()}):
        step = found[(row["sequence"], row["last_step_position"])]
        for name in ("finished", "stopped", *STOPPED_BY):
            step[name] += row[name]
    return found


def _rates(figures: dict[str, int]) -> list[str]:
    sent = figures.get("sent", 0)
    return [str(wilson(figures.get(name, 0), sent)) for name in ("replies", "bounces", "unsubscribes", "meetings")]


def compute(period: Period) -> Report:
    report = Report()
    counts, stops = _counts(period), _stops(period)
    steps = SequenceStep.objects.select_related("sequence").order_by("sequence__name", "position")
    tracking = settings.EMAIL_TRACKING
    columns = ["Sequence", "Step", "Enrolled", "Sent", "Replies", *[intent.label for intent in INTENTS], "Meetings",
               "Bounces", "Unsubscribes", "Finished", "Reply rate, % (95 % CI)", "Bounce rate", "Unsubscribe rate",
               "Meeting rate"] + (["Opened (lower bound)", "Clicked"] if tracking else [])
    rows, variant_rows, chart = [], [], []
    for step in steps:
        by_template = {key: value for (step_id, key), value in counts.items() if step_id == step.pk}
        figures: dict[str, int] = defaultdict(int)
        for value in by_template.values():
            for name, count in value.items():
                figures[name] += count
        for name, count in stops.get((step.sequence_id, step.position), {}).items():
            figures[name] += count
        row = [step.sequence.name, f"{step.position}. {step.get_variant_display()}", figures["enrolled"],
               figures["sent"], figures["replies"], *[figures[f"reply:{intent.value}"] for intent in INTENTS],
               figures["meetings"], figures["bounces"], figures["unsubscribes"], figures["finished"], *_rates(figures)]
        rows.append(row + ([figures["opens"], figures["clicks"]] if tracking else []))
        chart.append((f"{step.sequence.name[:10]} {step.position}", figures["replies"], "HOT"))
        if len(by_template) > 1:
            for key, value in sorted(by_template.items()):
                sent, replies = value.get("sent", 0), value.get("replies", 0)
                variant_rows.append([step.sequence.name, step.position, key or "(no template)", sent, replies,
                                     str(wilson(replies, sent)), value.get("bounces", 0)]
                                    + ([value.get("opens", 0), value.get("clicks", 0)] if tracking else []))
    report.tables.append(Table("Per sequence and step", columns, rows,
                               note="Rates are shares of the emails the step sent in the period; the brackets hold "
                                    "the 95 % Wilson interval, wide while counts are small.",
                               groups=[("Step and its sends", 5), ("Replies by intent", len(INTENTS)), ("Outcomes", 4),
                                       ("Rates", 4)] + ([("Tracking", 2)] if tracking else [])))
    report.tables.append(Table(
        "Variants side by side (steps that drew from more than one template)",
        ["Sequence", "Step", "Variant (template)", "Sent", "Replies", "Reply rate, % (95 % CI)", "Bounces"]
        + (["Opened (lower bound)", "Clicked"] if tracking else []), variant_rows,
        note="" if variant_rows else "No step used more than one template in this period."))
    report.charts.append(Chart("Replies per step", chart))
    if tracking:
        report.notes.append("Opens are unreliable: Apple Mail and many company gateways load every image on "
                            "delivery, and many people never load images. The machine opens and scanner clicks "
                            "we can recognise are left out; treat opens as a rough signal, replies as the measure.")
    report.headline["Sequence emails sent"] = sum(row[3] for row in rows)
    report.headline["Sequence replies"] = sum(row[4] for row in rows)
    return report
