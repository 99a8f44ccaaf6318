"""The Sequences pages (managers only): the sequences and the rules that choose one for a lead; one sequence's
steps (waits, templates and A/B variants, tone and length, tasks); one step's results per variant, with the
test of which variant leads and a way to retire one.
"""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from leadops.http import HtmxHttpRequest
from leadops.roles import manager_required
from outreach import experiments
from outreach.models import EmailTemplate, Enrollment, Sequence, SequenceStep
from outreach.replies import Classification
from outreach.sequence_forms import RuleFormSet, SequenceForm, StepFormSet, template_choices


@manager_required
def sequences_page(request: HtmxHttpRequest) -> HttpResponse:
    form = SequenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sequence = form.save()
        messages.success(request, f"Created the sequence “{sequence.name}”; add its steps below.")
        return redirect("outreach:sequence", sequence.pk)
    sequences = Sequence.objects.annotate(
        running=Count("enrollments", filter=Q(enrollments__status__in=Enrollment.OPEN_STATUSES), distinct=True),
    ).prefetch_related("steps", "rules__owner").order_by("purpose", "name")
    return render(request, "outreach/sequences.html", {"sequences": sequences, "form": form},
                  status=422 if form.errors else 200)


@manager_required
def sequence_page(request: HtmxHttpRequest, sequence_id: int) -> HttpResponse:
    sequence = get_object_or_404(Sequence, pk=sequence_id)
    data = request.POST if request.method == "POST" else None
    form = SequenceForm(data, instance=sequence)
    steps = StepFormSet(data, instance=sequence, prefix="steps")
    rules = RuleFormSet(data, instance=sequence, prefix="rules")
    if request.method == "POST":
        if form.is_valid() and steps.is_valid() and rules.is_valid():
            with transaction.atomic():
                form.save()
                steps.save()
                rules.save()
            messages.success(request, f"Saved the sequence “{sequence.name}”.")
            return redirect("outreach:sequence", sequence.pk)
        if request.htmx:
            return render(request, "outreach/sequence.html#sequence-form",
                          {"sequence": sequence, "form": form, "steps": steps, "rules": rules}, status=422)
    context = {"sequence": sequence, "form": form, "steps": steps, "rules": rules,
               "saved_steps": sequence.steps.order_by("position"),
               "template_names": dict(template_choices())}
    return render(request, "outreach/sequence.html", context, status=422 if request.method == "POST" else 200)


def _report_context(step: SequenceStep) -> dict:
    rows = experiments.variant_report(step)
    names = dict(template_choices())
    shown = [{
        "row": row, "name": names.get(row.template_key, row.template_key),
        "rate": f"{row.reply_rate:.0%}" if row.reply_rate is not None else "—",
        "intents": ", ".join(f"{Classification(intent).label if intent in Classification.values else intent}: {count}"
                             for intent, count in sorted(row.replies_by_intent.items())) or "—",
    } for row in rows]
    return {"step": step, "rows": shown, "verdict": experiments.verdict(rows)}


@manager_required
def step_report(request: HtmxHttpRequest, step_id: int) -> HttpResponse:
    step = get_object_or_404(SequenceStep.objects.select_related("sequence"), pk=step_id)
    return render(request, "outreach/sequence_step.html", _report_context(step))


def _name(template_key: str) -> str:
    template = EmailTemplate.objects.filter(key=template_key).first()
    return template.name if template else template_key


@manager_required
@require_POST
def switch_variant(request: HtmxHttpRequest, step_id: int) -> HttpResponse:
    """Retire a variant (no new lead gets it) or put a retired one back in use."""
    step = get_object_or_404(SequenceStep.objects.select_related("sequence"), pk=step_id)
    key = request.POST.get("template_key", "")
    try:
        if request.POST.get("action") == "reinstate":
            experiments.reinstate(step, key)
            done = f"“{_name(key)}” is given to new leads again."
        else:
            experiments.retire(step, key)
            done = f"Retired “{_name(key)}”: no new lead gets it."
    except ValueError as error:
        messages.error(request, str(error))
        status = 422
    else:
        messages.success(request, done)
        status = 200
    if request.htmx:
        return render(request, "outreach/sequence_step.html#variants", _report_context(step), status=status)
    return redirect("outreach:sequence_step", step.pk)
