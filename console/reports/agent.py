"""Agent performance: how the product's own work fares with the team.

Drafts decided in the period (approved, or rejected) split into approved unedited, approved after a person's
edit, and rejected, with the words reps changed (outreach.edits, stored at approval) per template, per step and
per writer (LLM or template); the reasons drafts were rejected; the LLM's calls, fallbacks, run time and cost
per lead and per month (scoring.Trace); and how long a new lead waits for its first email.
"""

from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, F, Min, Q, Sum
from django.db.models.functions import TruncMonth

from console.reports.periods import Period
from console.reports.stats import wilson
from console.reports.tables import Chart, Report, Table
from leads.models import Lead
from outreach.models import EmailDraft
from scoring.models import Trace

State = EmailDraft.State
# Drafts a person changed before approving; drafts approved before the original was kept count by their writer.
EDITED = Q(words_changed__gt=0) | Q(words_changed__isnull=True, generated_by=EmailDraft.GeneratedBy.PERSON)
WRITERS = dict(EmailDraft.GeneratedBy.choices) | {"": "Not recorded (drafted before this report)"}
# How soon after arriving a lead got its first email, the buckets of the chart.
FIRST_TOUCH_WITHIN = [("hour", "within an hour", timedelta(hours=1)), ("day", "within a day", timedelta(days=1)),
                      ("week", "within a week", timedelta(days=7))]


def _decisions(period: Period) -> tuple[Any, dict[str, Any]]:
    approved = Q(approved_at__gte=period.since, approved_at__lt=period.until)
    rejected = Q(state=State.REJECTED, updated_at__gte=period.since, updated_at__lt=period.until)
    counts = {
        "unedited": Count("pk", filter=approved & ~EDITED),
        "edited": Count("pk", filter=approved & EDITED),
        "rejected": Count("pk", filter=rejected),
        "words": Avg("words_changed", filter=approved & Q(words_changed__gt=0)),
    }
    return EmailDraft.objects.order_by().filter(approved | rejected), counts


def _row(label: str, row: dict[str, Any]) -> list[Any]:
    decided = row["unedited"] + row["edited"] + row["rejected"]
    return [label, decided, row["unedited"], row["edited"], row["rejected"],
            str(wilson(row["unedited"], decided)), round(row["words"] or 0, 1)]


COLUMNS = ["Group", "Decided", "Approved unedited", "Approved after edits", "Rejected",
           "Approved unedited, % (95 % CI)", "Words changed per edited draft"]


def _step_label(row: dict[str, Any]) -> str:
    if row["sequence_step__sequence__name"]:
        return f"{row['sequence_step__sequence__name']} · step {row['sequence_step__position']}"
    return f"{EmailDraft.Variant(row['variant']).label} (outside a sequence)"


def _drafts(period: Period, report: Report) -> None:
    decided, counts = _decisions(period)
    total = decided.aggregate(**counts)
    report.headline.update({"Drafts approved unedited": total["unedited"], "Drafts approved after edits":
                            total["edited"], "Drafts rejected": total["rejected"]})
    report.charts.append(Chart("Drafts decided", [("Approved unedited", total["unedited"], "HOT"),
                                                  ("Approved after edits", total["edited"], "WARM"),
                                                  ("Rejected", total["rejected"], "COLD")]))
    by_writer = decided.values("drafted_by").annotate(**counts).order_by("drafted_by")
    report.tables.append(Table("By writer: LLM or template", ["Written by", *COLUMNS[1:]],
                               [_row(WRITERS.get(row["drafted_by"], row["drafted_by"]), row) for row in by_writer]))
    by_template = decided.values("template_key").annotate(**counts).order_by("template_key")
    report.tables.append(Table("By template", ["Template", *COLUMNS[1:]],
                               [_row(row["template_key"] or "No template (written by the LLM or a person)", row)
                                for row in by_template]))
    by_step = decided.values("sequence_step__sequence__name", "sequence_step__position", "variant").annotate(
        **counts).order_by("sequence_step__sequence__name", "sequence_step__position", "variant")
    report.tables.append(Table("By step", ["Step", *COLUMNS[1:]], [_row(_step_label(row), row) for row in by_step]))
    reasons = (decided.filter(state=State.REJECTED).values("rejection_reason").annotate(n=Count("pk"))
               .order_by("-n", "rejection_reason")[:10])
    report.tables.append(Table("Why drafts were rejected (the ten commonest reasons)", ["Reason", "Drafts"],
                               [[row["rejection_reason"] or "No reason given", row["n"]] for row in reasons]))


def _llm(period: Period, report: Report) -> None:
    traces = Trace.objects.order_by().filter(created_at__gte=period.since, created_at__lt=period.until)
    figures = {"runs": Count("pk"), "calls": Count("pk", filter=Q(used_llm=True)),
               "fallbacks": Count("pk", filter=Q(fell_back=True)), "leads": Count("lead", distinct=True),
               "run_ms": Avg("duration_ms", filter=Q(used_llm=True)), "cost": Sum("cost_usd"),
               "tokens": Sum(F("prompt_tokens") + F("completion_tokens"))}
    monthly = traces.annotate(month=TruncMonth("created_at")).values("month").annotate(**figures).order_by("month")
    rows = []
    for row in monthly:
        wanted = row["calls"] + row["fallbacks"]
        cost = float(row["cost"] or 0)
        rows.append([f"{row['month']:%Y-%m}", row["runs"], row["calls"], row["fallbacks"],
                     str(wilson(row["fallbacks"], wanted)), round(row["run_ms"] or 0), row["tokens"] or 0,
                     f"{cost:.4f}", f"{cost / row['leads']:.5f}" if row["leads"] else "–"])
    report.tables.append(Table(
        "The LLM per month", ["Month", "Pipeline runs", "Runs that used the LLM", "Fallbacks to rules",
                              "Fallback rate, % (95 % CI)", "Run time with the LLM, ms", "Tokens", "Cost, USD",
                              "Cost per lead, USD"], rows,
        note="A fallback is a run that wanted the LLM and was decided by the rules (an error, a timeout, the "
             "circuit breaker). Run time is the whole pipeline run, the LLM's answer included."))
    report.headline["LLM calls"] = sum(row[2] for row in rows)
    report.headline["LLM fallbacks"] = sum(row[3] for row in rows)


def _first_touch(period: Period, report: Report) -> None:
    arrived = Lead.objects.filter(created_at__gte=period.since, created_at__lt=period.until).count()
    # One row per lead emailed: its wait from arrival to the first email (grouped once, then counted).
    waits = (EmailDraft.objects.order_by().filter(sent_at__isnull=False, lead__created_at__gte=period.since,
                                                  lead__created_at__lt=period.until)
             .values("lead").annotate(wait=Min("sent_at") - Min("lead__created_at")))
    buckets = {key: Count("lead", filter=Q(wait__lte=within)) for key, _label, within in FIRST_TOUCH_WITHIN}
    figures = waits.aggregate(touched=Count("lead"), **buckets)
    rows = [[f"First email {label}", figures[key], str(wilson(figures[key], arrived))]
            for key, label, _within in FIRST_TOUCH_WITHIN]
    rows.append(["First email at all", figures["touched"], str(wilson(figures["touched"], arrived))])
    report.tables.append(Table(f"Time from arrival to first touch ({arrived:,} leads arrived)",
                               ["First email", "Leads", "Share of arrivals, % (95 % CI)"], rows))
    report.charts.append(Chart("Arrival to first email", [(label.capitalize(), figures[key], "WARM")
                                                          for key, label, _within in FIRST_TOUCH_WITHIN]))
    report.headline["New leads emailed within a day"] = figures["day"]


def compute(period: Period) -> Report:
    report = Report()
    _drafts(period, report)
    _llm(period, report)
    _first_touch(period, report)
    return report
