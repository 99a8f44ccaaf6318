"""Forms of the import page: the upload, then the column mapping the user confirms or edits."""

from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from functools import wraps
from typing import Any
from urllib.parse import parse_qsl

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from leads.importing import columns
from leads.importing.run import DEFAULT_WON_VALUES
from leads.importing.sniff import SAMPLE_BYTES
from leads.models import ImportJob, Lead

# The mapping form posts one field per column, and a header (read from the file's first SAMPLE_BYTES) has
# at most one column per byte; Django's DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) stays the limit elsewhere.
MAPPING_FIELDS_LIMIT = SAMPLE_BYTES + 100  # and a few for the form's other fields (CSRF token, won values)


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

    def column_selects(self) -> list[tuple[forms.BoundField, str]]:
        """Each column's field with its select drawn: the widget's HTML, its options built once per choice.

        Django draws each select through the template engine, about a millisecond apiece: seconds for
        a file of thousands of columns, every time the preview is shown.
        """
        options: dict[str, str] = {}
        drawn = []
        for field in self.column_fields():
            chosen = str(field.value() or "")
            if chosen not in options:
                options[chosen] = "".join(
                    format_html('<option value="{}"{}>{}</option>', value, " selected" if value == chosen else "",
                                label) for value, label in columns.TARGET_CHOICES)
            drawn.append((field, format_html('<select name="{}" id="{}">{}</select>', field.html_name,
                                             field.auto_id, mark_safe(options[chosen]))))
        return drawn

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


def _posted_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The text fields of a form post, urlencoded (as browsers send this form) or multipart, without a limit."""
    if request.content_type == "multipart/form-data":
        head = f"Content-Type: {request.META.get('CONTENT_TYPE', '')}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + request.body)
        if not message.is_multipart():
            raise ValueError("not a multipart body")
        return [(part.get_param("name", header="content-disposition"), part.get_content())
                for part in message.iter_parts()
                if part.get_param("name", header="content-disposition") and not part.get_filename()]
    return parse_qsl(request.body.decode(), keep_blank_values=True, max_num_fields=MAPPING_FIELDS_LIMIT)


def accepts_one_field_per_column(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view's form post is read with MAPPING_FIELDS_LIMIT fields instead of Django's limit.

    Django parses request.POST with its own limit on first access, and the CSRF check (a middleware)
    reads it before any view runs; so the post is parsed here first, and the CSRF check runs after it.
    """
    protected = csrf_protect(view)

    @csrf_exempt  # for the middleware only: `protected` checks the token
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            try:
                fields = _posted_fields(request)
            except (UnicodeDecodeError, ValueError, LookupError):
                fields = None
            if fields is None or len(fields) > MAPPING_FIELDS_LIMIT:
                return HttpResponseBadRequest("The form could not be read; reload the page and try again.")
            form = QueryDict(mutable=True)
            for key, value in fields:
                form.appendlist(key, value)
            request.POST = form
        return protected(request, *args, **kwargs)

    return wrapped
