"""The report emails form: one per cadence (daily, weekly) on the subscriptions page.

It only collects the choices; `outreach.report_subscriptions.subscribe` holds the rules, and its refusals come
back as errors on the matching fields.
"""

import calendar
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe

from outreach.models import ReportSubscription

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]
WEEKDAYS = list(enumerate(calendar.day_name))
TIMEZONES = frozenset(available_timezones() - {"localtime", "Factory"})
# The page's one <datalist> of every zone name, drawn once per process: as <select> options, two forms of ~600
# options each were nearly all of the page's time (bench/report_bench.py: 226 ms of CPU a request).
TIMEZONE_OPTIONS = mark_safe("".join(f'<option value="{escape(name)}">' for name in sorted(TIMEZONES)))


class SubscriptionForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Send me this email")
    sections = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="What it holds")
    hour = forms.TypedChoiceField(choices=HOURS, coerce=int, label="At")
    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, required=False, label="On")
    timezone = forms.CharField(label="Time zone", help_text="A name such as Europe/Berlin or America/New_York",
                               widget=forms.TextInput(attrs={"list": "timezones", "autocomplete": "off"}))

    def __init__(self, data: Any = None, *, cadence: str, sections: dict[str, str],
                 instance: ReportSubscription | None = None) -> None:
        initial = {"enabled": False, "sections": list(sections)[:2], "hour": 7, "weekday": 0,
                   "timezone": settings.TIME_ZONE}
        if instance is not None:
            initial.update(enabled=instance.enabled, sections=instance.sections, hour=instance.hour,
                           weekday=instance.weekday if instance.weekday is not None else 0,
                           timezone=instance.timezone)
        super().__init__(data, initial=initial, prefix=cadence)
        self.cadence = cadence
        self.title = ReportSubscription.Cadence(cadence).label + " email"
        self.fields["sections"].choices = list(sections.items())
        if cadence != ReportSubscription.Cadence.WEEKLY:
            del self.fields["weekday"]

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        if name not in TIMEZONES:
            raise forms.ValidationError(f"Time zone: {name!r} is not a time zone name such as Europe/Berlin.")
        return name

    def subscription_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"sections": data["sections"], "cadence": self.cadence, "hour": data["hour"],
                "weekday": data.get("weekday"), "timezone_name": data["timezone"], "enabled": data["enabled"]}

    def saved_message(self) -> str:
        data = self.cleaned_data
        if not data["enabled"]:
            return f"Your {self.cadence} report email is switched off."
        when = f"{dict(WEEKDAYS)[data['weekday']]}s at " if self.cadence == ReportSubscription.Cadence.WEEKLY else \
            "Every day at "
        return f"Saved: {when}{data['hour']:02d}:00 ({data['timezone']})."
