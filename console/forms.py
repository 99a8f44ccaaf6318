"""Forms for the lead pages. The rules themselves live in `leads.lead_input.LeadInput`.

`LeadForm` only collects text and offers the enums as selects; its `clean` hands everything to
`parse_lead`, and pydantic's verdicts come back as errors on the matching form fields. So the form,
the CSV importer and the API accept and refuse exactly the same leads. `LeadEditForm` collects the
same fields for `intake.edit`, which applies the rules and whose verdicts come back the same way.
"""

from typing import Any

from django import forms

from console.widget_cache import lead_form_renderer
from leads.intake import DuplicateEmail, IntakeError, LeadInput, parse_lead
from leads.models import Lead

# Where a lead typed in by hand came from; import and API are set by their own doors.
MANUAL_SOURCES = [
    (value, label) for value, label in Lead.Source.choices if value not in (Lead.Source.IMPORT, Lead.Source.API)
]


def _blank_first(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "—")] + list(choices)


class LeadForm(forms.Form):
    # The lead page draws this form on every view: its widgets come from memory (console/widget_cache.py).
    default_renderer = lead_form_renderer()

    first_name = forms.CharField(required=False)
    last_name = forms.CharField(required=False)
    email = forms.CharField(required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(required=False)
    company_name = forms.CharField(required=False, label="Company")
    website = forms.CharField(required=False, help_text="acme.com or https://acme.com")
    job_title = forms.CharField(required=False)
    industry = forms.CharField(required=False)
    company_size = forms.ChoiceField(required=False, choices=_blank_first(Lead.SizeBand.choices), label="Employees")
    country = forms.CharField(required=False, help_text="A name or an ISO code: Germany, DE, USA")
    time_zone = forms.CharField(required=False, label="Time zone",
                                help_text="For the send window, e.g. Asia/Tokyo; blank = the country's main zone")
    source = forms.ChoiceField(choices=MANUAL_SOURCES, initial=Lead.Source.REFERRAL)
    budget_range = forms.CharField(
        required=False, label="Budget", widget=forms.TextInput(attrs={"placeholder": "As said: $50k, 50-100k, tbd"})
    )
    urgency = forms.ChoiceField(required=False, choices=_blank_first(Lead.Urgency.choices))
    pain_point = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lead_message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}), label="Message")

    # The page shows these side by side, each under its legend.
    GROUPS = (
        ("Person", ("first_name", "last_name", "email", "phone", "job_title")),
        ("Company", ("company_name", "website", "industry", "company_size", "country", "time_zone")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Browsers stop typing at the model's length; the server-side limit is LeadInput's. Not for the
        # country, which is typed as a name ("Germany") and stored as its two-letter code.
        for name, field in self.fields.items():
            max_length = getattr(Lead._meta.get_field(name), "max_length", None)
            if isinstance(field, forms.CharField) and max_length and name != "country":
                field.widget.attrs["maxlength"] = max_length
        self.lead_input: LeadInput | None = None

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        given = ("email", "first_name", "last_name", "company_name")
        if not any(str(cleaned.get(name) or "").strip() for name in given):
            # LeadInput also accepts a source system's id, which this form has no field for: say what it does have.
            raise forms.ValidationError("Give at least an email, a name or a company name.")
        try:
            self.lead_input = parse_lead(cleaned)
        except IntakeError as error:
            self.add_intake_errors(error)
        return cleaned

    def add_intake_errors(self, error: IntakeError) -> None:
        """Intake's verdicts on the fields they name; one about the whole lead above the form."""
        for problem in error.errors:
            field = problem.field if problem.field in self.fields else None
            self.add_error(field, problem.sentence())


class LeadEditForm(LeadForm):
    """A lead's details on its page, prefilled; `intake.edit` validates and saves them.

    Every source is offered, imports and API included: the form shows the lead's own.
    """

    source = forms.ChoiceField(choices=Lead.Source.choices)

    def __init__(self, *args: Any, lead: Lead, **kwargs: Any) -> None:
        initial = {name: getattr(lead, name) for name in Lead.EDITABLE_FIELDS}
        # Ids are prefixed: the lead page holds the draft, outcome, reply and note forms too.
        super().__init__(*args, initial=initial, auto_id="edit-%s", **kwargs)
        del self.fields["lead_message"]
        self.duplicate_of: Lead | None = None

    def clean(self) -> dict[str, Any]:
        # Not LeadForm's: the rules run once, inside intake.edit, which also knows the stored lead.
        return forms.Form.clean(self)

    def add_intake_errors(self, error: IntakeError) -> None:
        if isinstance(error, DuplicateEmail):
            self.duplicate_of = error.lead
        super().add_intake_errors(error)

    def error_summary(self) -> list[str]:
        """The labels of the fields to fix, for the line above the form."""
        return [str(self[name].label) for name in self.errors if name in self.fields]


class NoteForm(forms.Form):
    text = forms.CharField(max_length=5_000, error_messages={
        "required": "Write the note first: it is empty.",
        "max_length": "A note holds up to 5,000 characters; this one has %(show_value)s.",
    })
