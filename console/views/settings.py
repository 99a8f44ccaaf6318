"""The Settings page (managers only): scoring weights and thresholds with a live preview, version
history with rollback, and the run-time settings of leadops.runtime. Every change is logged."""

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from console import settings_labels as labels
from console.views.model import confirm_activation, to_job
from leadops import runtime
from leadops.http import HtmxHttpRequest
from leadops.models import Job, SettingChange
from leadops.roles import manager_required
from outreach import quotas
from scoring import tuning, versions
from scoring.models import ScoringConfig

HISTORY_LIMIT = 20
# Run-time settings that hold weekdays: a checkbox per day.
WEEKDAY_SETTINGS = ("SEND_WINDOW_DAYS",)

WINDOW_SETTINGS = {"SEND_WINDOW_DAYS", "SEND_WINDOW_HOURS", "SEND_TIMEZONE", "SEND_IN_RECIPIENT_TIMEZONE",
                   "SEND_SKIP_HOLIDAYS"}


def _runtime_fields(values: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    """One row per run-time setting, with the widget its current value calls for."""
    fields = []
    for name, (label, parse) in runtime.EDITABLE.items():
        value = values.get(name)
        options = getattr(parse, "options", None)
        kind = "bool" if isinstance(value, bool) else "weekdays" if name in WEEKDAY_SETTINGS else \
            "select" if options else "list" if isinstance(value, list) else "text"
        shown = ", ".join(value) if isinstance(value, list) and kind != "weekdays" else value
        fields.append({"name": name, "label": label, "value": shown, "kind": kind,
                       "options": [(option, labels.OPTION_LABELS.get(option, option)) for option in options or ()],
                       "days": [(day, day_name, day in _days(value)) for day, day_name in labels.WEEKDAYS]
                       if kind == "weekdays" else [],
                       "help": labels.SETTING_HELP.get(name, ""), "error": errors.get(name, "")})
    return fields


def _days(value: Any) -> list[str]:
    """The ticked days: the stored list, or what a refused form sent back ("mon,tue")."""
    return value if isinstance(value, list) else [day.strip() for day in str(value or "").split(",")]


def _changes() -> list[dict[str, Any]]:
    """The change log in words: the setting's label, values as the page shows them."""
    rows = SettingChange.objects.select_related("changed_by").order_by("-created_at")[:HISTORY_LIMIT]
    return [{"when": change.created_at, "who": change.changed_by.username if change.changed_by else "",
             "setting": runtime.EDITABLE.get(change.key, (change.key.replace("_", " ").capitalize(),))[0],
             "old": labels.setting_value(change.old_value), "new": labels.setting_value(change.new_value)}
            for change in rows]


def _weight_order(item: tuple[str, Any]) -> tuple[str, int, str]:
    """Alphabetical, except size bands, which read smallest to largest ("size.11-50" before "size.1001-5000")."""
    family, _, name = item[0].partition(".")
    leading = name.split("-")[0].rstrip("+")
    return (family, int(leading) if family == "size" and leading.isdigit() else 0, name)


def _weight_groups(config: ScoringConfig, edit: tuning.ScoringEdit | None,
                   typed: Mapping[str, str]) -> list[dict[str, Any]]:
    """Weights grouped by the rule family their key starts with ("seniority.vp" -> seniority).

    `typed` is the submitted form: a refused edit shows every value as typed, the wrong one included.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for key, value in sorted(config.weights.items(), key=_weight_order):
        family, _, name = key.partition(".")
        label, help_text = labels.weight_label(key)
        groups.setdefault(family if name else "general", []).append({
            "key": key, "name": label, "help": help_text,
            "value": typed.get(f"weight:{key}", edit.weights.get(key, value) if edit else value),
            "error": edit.errors.get(f"weight:{key}", "") if edit else "",
        })
    return [{"family": labels.WEIGHT_FAMILIES.get(family, family.capitalize()), "weights": weights}
            for family, weights in groups.items()]


def _thresholds(config: ScoringConfig, edit: tuning.ScoringEdit | None,
                typed: Mapping[str, str]) -> list[dict[str, Any]]:
    learned = config.scores_with_model()
    rows = []
    for name, value in {**config.thresholds, **(edit.thresholds if edit else {})}.items():
        label, help_text = labels.THRESHOLDS.get(name, (name.capitalize(), ""))
        # A learned model cuts HOT and WARM itself: these two do nothing while it scores.
        idle = learned and name in ("hot", "warm")
        rows.append({"name": name, "label": label, "value": typed.get(f"threshold:{name}", value),
                     "help": "Not used while the learned model scores leads: it sets its own HOT and WARM "
                             "cut-offs (see Scoring model)." if idle else help_text, "disabled": idle})
    return rows


def _page(request: HtmxHttpRequest, *, edit: tuning.ScoringEdit | None = None,
          preview: dict[str, Any] | None = None, runtime_values: dict[str, Any] | None = None,
          runtime_errors: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    config = tuning.config_in_force()
    typed = request.POST if edit else {}
    context = {
        "config": config,
        "edit": edit,
        "typed_notes": typed.get("notes", ""),
        "preview": preview,
        "weight_groups": _weight_groups(config, edit, typed),
        "thresholds": _thresholds(config, edit, typed),
        "history": ScoringConfig.objects.select_related("created_by").order_by("-version")[:HISTORY_LIMIT],
        "runtime_fields": _runtime_fields(runtime_values or runtime.current(), runtime_errors or {}),
        "changes": _changes(),
    }
    return render(request, "scoring/settings.html", context, status=status)


@manager_required
@require_GET
def settings_page(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request)


@manager_required
@require_POST
def scoring_preview(request: HtmxHttpRequest) -> HttpResponse:
    """The HOT/WARM/COLD split under the weights being edited; nothing is saved."""
    config = tuning.config_in_force()
    edit = tuning.read_edit(request.POST, config)
    preview = tuning.preview(config, edit) if edit.is_valid else None
    if request.htmx:
        return render(request, "scoring/settings.html#preview", {"edit": edit, "preview": preview})
    return _page(request, edit=edit, preview=preview, status=200 if edit.is_valid else 422)


@manager_required
@require_POST
def scoring_save(request: HtmxHttpRequest) -> HttpResponse:
    config = tuning.config_in_force()
    edit = tuning.read_edit(request.POST, config)
    if not edit.is_valid:
        return _page(request, edit=edit, status=422)
    if config.pk and edit.weights == config.weights and edit.thresholds == config.thresholds:
        messages.info(request, f"Nothing changed; v{config.version} stays active.")
        return redirect("scoring:settings")
    saved = tuning.save_version(config, edit, request.user)
    return _rescoring(request, saved, f"Saved and activated scoring v{saved.version}.")


@manager_required
@require_POST
def scoring_rollback(request: HtmxHttpRequest, version: int) -> HttpResponse:
    config = get_object_or_404(ScoringConfig, version=version)
    if "confirmed" not in request.POST:
        return confirm_activation(request, config, f"Activate v{config.version}",
                                  reverse("scoring:settings_rollback", args=[config.version]),
                                  cancel="scoring:settings")
    versions.roll_back(config.version, request.user)
    return _rescoring(request, config, f"Scoring v{config.version} is active again.")


def _rescoring(request: HtmxHttpRequest, config: ScoringConfig, text: str) -> HttpResponse:
    """After a version is activated: to its re-score's page, which follows the open leads being scored again."""
    job = Job.objects.filter(kind=Job.Kind.RESCORE, subject=f"scoring:v{config.version}").first()
    if job is None:
        messages.success(request, text)
        return redirect("scoring:settings")
    messages.success(request, f"{text} {job.total:,} open leads are being re-scored with it.")
    return to_job(request, job)


@manager_required
@require_POST
def runtime_save(request: HtmxHttpRequest) -> HttpResponse:
    submitted: dict[str, Any] = {}
    current = runtime.current()
    for name in runtime.EDITABLE:
        if isinstance(current[name], bool):
            # An unticked checkbox sends nothing: absence means off.
            submitted[name] = name in request.POST
        elif name in WEEKDAY_SETTINGS:
            # One checkbox per day; none ticked is refused by the setting's own rule, in words.
            submitted[name] = ",".join(request.POST.getlist(name))
        elif name in request.POST:
            submitted[name] = request.POST[name]
    try:
        changed = runtime.update(submitted, user=request.user)
    except ValidationError as error:
        errors = {name: "; ".join(messages_) for name, messages_ in error.message_dict.items()}
        return _page(request, runtime_values={**current, **submitted}, runtime_errors=errors, status=422)
    if set(changed) & WINDOW_SETTINGS:
        # Held emails follow the new window now, not from the outbox's next tick.
        quotas.refresh_window_holds(timezone.now())
    if changed:
        messages.success(request, f"Saved: {', '.join(runtime.EDITABLE[name][0] for name in changed)}.")
    else:
        messages.info(request, "Nothing changed.")
    return redirect("scoring:settings")
