"""Forms of the integration pages: API tokens, webhook endpoints and website form keys."""

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from leadops.roles import MANAGER, REP
from leads.models import ApiToken, FormKey, Lead
from leads.models.form_key import origin_problem
from webhooks.models import Endpoint


def people() -> QuerySet[User]:
    """Who a token may act as: active reps and managers."""
    return (User.objects.filter(is_active=True).filter(Q(groups__name__in=[REP, MANAGER]) | Q(is_superuser=True))
            .distinct().order_by("username"))


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Where it is used, e.g. 'HubSpot sync'")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), help_text="The token acts as this person")
    scopes = forms.MultipleChoiceField(choices=ApiToken.Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       initial=[ApiToken.Scope.READ])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].queryset = people()  # type: ignore[attr-defined]


class EndpointForm(forms.Form):
    url = forms.URLField(max_length=500, assume_scheme="https", label="URL",
                         help_text="Receives a signed POST per event")
    events = forms.MultipleChoiceField(choices=Endpoint.Event.choices, widget=forms.CheckboxSelectMultiple)


class FormKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which form, e.g. 'pricing page demo request'")
    allowed_origins = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text="The sites the form is on, one per line: https://www.example.com")
    consent_text = forms.CharField(max_length=500, help_text="The text beside the consent checkbox")
    thanks_url = forms.URLField(max_length=500, required=False, assume_scheme="https",
                                help_text="Where visitors go after sending")
    rate_limit = forms.RegexField(regex=r"^\d{1,5}/[smhd]$", initial="10/m", max_length=20,
                                  help_text="Posts per visitor address: 10/m, 100/h",
                                  error_messages={"invalid": "Write it like 10/m (per s, m, h or d)."})
    source = forms.ChoiceField(choices=Lead.Source.choices, initial=Lead.Source.WEB_FORM)

    def clean_allowed_origins(self) -> list[str]:
        origins = [line.strip().rstrip("/") for line in self.cleaned_data["allowed_origins"].splitlines()
                   if line.strip()]
        problems = [problem for origin in origins if (problem := origin_problem(origin))]
        if problems:
            raise forms.ValidationError(problems)
        if not origins:
            raise forms.ValidationError("List at least one site the form is on.")
        return origins

    def save(self, user: User) -> FormKey:
        return FormKey.objects.create(created_by=user, **self.cleaned_data)
