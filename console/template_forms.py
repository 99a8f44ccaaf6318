"""The template editor's form: the store's fields, with the template's syntax checked before it is saved."""

from typing import Any

from django import forms

from leads.models import Lead
from outreach.drafting import template_errors
from outreach.models import EmailTemplate

SOURCE_CHOICES = [("", "Any source"), *Lead.Source.choices]


class EmailTemplateForm(forms.ModelForm):
    source = forms.ChoiceField(choices=SOURCE_CHOICES, required=False, label="For leads from")
    industry = forms.CharField(max_length=60, required=False, label="For leads in the industry",
                               help_text="Blank: any industry. Written as the leads' Industry field holds it.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}))

    class Meta:
        model = EmailTemplate
        fields = ("key", "name", "purpose", "source", "industry", "subject", "body", "is_active")
        labels = {"key": "Short name", "purpose": "Kind of email", "is_active": "In use"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Drafts and sequence steps refer to it by this name.
            self.fields["key"].disabled = True
            self.fields["key"].help_text = "Drafts and sequence steps refer to the template by this name."

    def clean_body(self) -> str:
        # Browsers send a textarea's lines as CRLF; the templates (and the drafts made from them) use LF.
        return self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for field, problems in template_errors(cleaned.get("subject") or "", cleaned.get("body") or "").items():
            for problem in problems:
                self.add_error(field, problem)
        return cleaned
