"""The forms a manager designs sequences with (the Sequences page and Django admin share them).

A step's templates are chosen from the template store (`outreach.template_store`); two or more make an A/B
test. Errors name the field and the value, as the rest of the product's forms do.
"""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from leads.models import Lead
from outreach import template_store
from outreach.models import EmailDraft, EmailTemplate, Sequence, SequenceRule, SequenceStep

# A clarifying question answers a lead's own message; it is never a step of a sequence.
NOT_A_STEP = frozenset({EmailDraft.Variant.CLARIFYING_QUESTION})


def template_choices() -> list[tuple[str, str]]:
    """(key, "name · audience") of every template of the store a step may send; one switched off is still
    listed (a step may keep naming it), and says so."""
    template_store.ensure_seeded()
    templates = EmailTemplate.objects.exclude(purpose__in=NOT_A_STEP).order_by("name")
    return [(template.key, f"{template.name} · {template.audience}{'' if template.is_active else ' (switched off)'}")
            for template in templates]


def step_variants() -> list[tuple[str, str]]:
    """The kinds of email a step's drafts are filed as (one open draft of each per lead)."""
    return [(value, label) for value, label in EmailDraft.Variant.choices if value not in NOT_A_STEP]


class SequenceForm(forms.ModelForm):
    class Meta:
        model = Sequence
        fields = ("name", "purpose", "is_default", "is_active")
        labels = {"is_default": "Default (catches the leads no rule matches)", "is_active": "In use"}


class StepForm(forms.ModelForm):
    template_keys = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Templates",
        help_text="Two or more: leads are split between them at random (an A/B test)")

    class Meta:
        model = SequenceStep
        fields = ("position", "name", "kind", "variant", "wait_business_days", "template_keys", "tone", "length",
                  "task_kind", "task_title")
        labels = {"variant": "Filed as", "wait_business_days": "Wait (working days)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template_keys"].choices = template_choices()
        self.fields["variant"].choices = step_variants()
        self.fields["template_keys"].error_messages["invalid_choice"] = (
            "“%(value)s” is not a template; choose from the list.")

    def clean_position(self) -> int:
        position = self.cleaned_data["position"]
        if not 1 <= position <= SequenceStep.MAX_STEPS:
            raise forms.ValidationError(
                f"Step {position} is out of range: a sequence has steps 1 to {SequenceStep.MAX_STEPS}.")
        return position


class RuleForm(forms.ModelForm):
    source = forms.ChoiceField(required=False, choices=[("", "any source"), *Lead.Source.choices])
    score_label = forms.ChoiceField(required=False, choices=[("", "any label"), *Lead.Label.choices], label="Label")

    class Meta:
        model = SequenceRule
        fields = ("position", "source", "score_label", "owner")
        labels = {"position": "Order"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["owner"].empty_label = "any owner"


StepFormSet = forms.inlineformset_factory(Sequence, SequenceStep, form=StepForm, extra=1,
                                          max_num=SequenceStep.MAX_STEPS, validate_max=True, can_delete=True)
RuleFormSet = forms.inlineformset_factory(Sequence, SequenceRule, form=RuleForm, extra=1, can_delete=True)
