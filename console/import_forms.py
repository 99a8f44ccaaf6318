"""Forms of the import page: the upload, then the column mapping the user confirms or edits."""

from typing import Any

from django import forms
from django.conf import settings

from leads.importing import columns
from leads.importing.run import DEFAULT_WON_VALUES
from leads.models import ImportJob, Lead


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Any common encoding; comma, semicolon, tab or pipe separated.")
    source = forms.ChoiceField(choices=Lead.Source.choices, initial=Lead.Source.IMPORT,
                               help_text="For rows without a source column.")
    on_duplicate = forms.ChoiceField(label="Leads that already exist", choices=ImportJob.OnDuplicate.choices,
                                     initial=ImportJob.OnDuplicate.SKIP)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit_mb = settings.IMPORT_MAX_UPLOAD_MB
        if upload.size > limit_mb * 1024 * 1024:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size / 1024 / 1024:,.0f} MB; files up to {limit_mb:,} MB can be "
                "imported. Split the file and import the parts."
            )
        return upload


class ColumnMappingForm(forms.Form):
    """One select per CSV column: a lead field, keep as attribute, or ignore."""

    won_values = forms.CharField(
        label="Outcome values that mean won", required=False, initial=", ".join(sorted(DEFAULT_WON_VALUES)),
        help_text="Only used when a column is mapped to Outcome; any other non-empty value counts as lost.",
    )

    def __init__(self, *args: Any, header: list[str], mapping: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header = header
        for position, name in enumerate(header):
            self.fields[f"column_{position}"] = forms.ChoiceField(
                label=name or f"Column {position + 1}", choices=columns.TARGET_CHOICES, required=False,
                initial=mapping.get(name, columns.ATTRIBUTES),
            )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{position}"] for position in range(len(self.header))]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = [cleaned.get(f"column_{position}", "") for position in range(len(self.header))]
        for target in set(chosen) - {columns.ATTRIBUTES, columns.IGNORE}:
            claimed = [self.header[position] for position, value in enumerate(chosen) if value == target]
            if len(claimed) > 1:
                raise forms.ValidationError(
                    f"{columns.FIELD_LABELS[target]} is chosen for more than one column ({', '.join(claimed)}); "
                    "pick one and keep the others as attributes."
                )
        if not columns.IDENTITY_FIELDS.intersection(chosen):
            raise forms.ValidationError("Map at least one column to Email, Id, a name or Company name, so leads "
                                        "can be told apart.")
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"column_{position}", "") for position, name in enumerate(self.header)}

    def won_value_set(self) -> frozenset[str]:
        values = frozenset(value.strip().lower() for value in self.cleaned_data["won_values"].split(",")
                           if value.strip())
        return values or DEFAULT_WON_VALUES
