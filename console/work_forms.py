"""Forms of a rep's work: a task's kind, title and due time, a new due time, an owner; errors name field and value."""

from typing import Any

from django import forms
from django.contrib.auth.models import User

from leadops.roles import MANAGER, REP
from leads.assignment import person_name
from leads.countries import to_iso2
from leads.models import AssignmentRule, Lead, Task

# What <input type="datetime-local"> sends, and what a person types without one.
DUE_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class DueField(forms.DateTimeField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, input_formats=DUE_FORMATS, **kwargs)

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(f"Due: '{value}' is not a date and time like 2026-03-31 14:30.") from None


class TaskForm(forms.Form):
    kind = forms.ChoiceField(choices=Task.Kind.choices, error_messages={
        "invalid_choice": "Kind: '%(value)s' is not one of call, email, LinkedIn message or to-do."})
    title = forms.CharField(max_length=200, error_messages={
        "required": "Title: say what to do (it is empty).",
        "max_length": "Title: up to 200 characters; this one has %(show_value)s."})
    due_at = DueField()
    notes = forms.CharField(required=False, max_length=5000)


class RescheduleForm(forms.Form):
    due_at = DueField()


class OwnerField(forms.ModelChoiceField):
    """A rep or manager by name; empty means no owner."""

    def __init__(self, **kwargs: Any) -> None:
        people = User.objects.filter(groups__name__in=(REP, MANAGER), is_active=True).distinct()
        super().__init__(queryset=people, required=False, error_messages={
            "invalid_choice": "Owner: that person is not a rep or manager here."}, **kwargs)


class OwnerForm(forms.Form):
    owner = OwnerField()


class AssignmentRuleForm(forms.ModelForm):
    """A manager's rule; the country is typed as a name or a code, as on the lead page."""

    reps = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Reps: tick at least one rep to share the leads among."})
    country = forms.CharField(required=False, max_length=100, help_text="A name or a code (Germany, DE); empty: any")

    class Meta:
        model = AssignmentRule
        fields = ("name", "position", "source", "country", "label", "reps", "cap", "period")
        labels = {"cap": "Cap per rep", "label": "Score label", "position": "Order"}
        help_texts = {"cap": "Leads one rep gets from this rule in the period; empty: no cap"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(groups__name__in=(REP, MANAGER), is_active=True).distinct()
        self.fields["reps"].queryset = people.order_by("username")
        self.fields["reps"].label_from_instance = person_name
        self.fields["source"].choices = [("", "Any source"), *Lead.Source.choices]
        self.fields["label"].choices = [("", "Any label"), *Lead.Label.choices]

    def clean_country(self) -> str:
        raw = self.cleaned_data["country"].strip()
        if not raw:
            return ""
        code = to_iso2(raw)
        if not code:
            raise forms.ValidationError(f"Country: '{raw}' is not a country name or ISO code we know.")
        return code
