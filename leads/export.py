"""Export leads as CSV or JSON, streamed batch by batch so memory stays flat at any table size.

Both the `export_leads` command and the dashboard's "Download CSV" button read through
`LeadExport`, filtered the dashboard's way (`LeadFilters`): leads are fetched newest first with keyset
pagination (no OFFSET, no long-lived cursor), and each batch costs one query for the leads (with their
company domain and owner) and one per app that adds columns (`add_columns`: outreach adds each lead's
pending draft), so there is no N+1.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) are prefixed with a single quote, as OWASP recommends against CSV
injection: a lead typed `=HYPERLINK(...)` into a web form, and a rep opens the export in Excel.
"""

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q, QuerySet, TextChoices

from leads.models import Lead

BATCH_SIZE = 2000

# Lead columns in export order; related values come through the same query.
LEAD_FIELDS = [
    "id", "first_name", "last_name", "email", "external_id", "phone", "website", "company_name",
    "job_title", "industry", "company_size", "country", "time_zone", "source", "budget_range", "budget_amount",
    "pain_point", "urgency", "lead_message", "attributes", "status", "score_label", "score_value",
    "score_probability", "score_rationale", "score_factors", "score_version", "enrichment",
    "recommended_action", "decision_reason", "needs_approval", "approval_reason", "approved_at",
    "disqualification_reason", "disqualification_requested_at", "qualified_at", "created_at", "updated_at", "erased_at",
]
RELATED_FIELDS = {"company_domain": F("company__domain"), "owner_username": F("owner__username")}
# Lead ids of one batch -> {lead id: {column: value}}; a lead or a column left out exports as "".
ColumnValues = Callable[[list[Any]], dict[Any, dict[str, Any]]]
# Columns the apps above leads add after the lead's own, by the key each registered them under.
_added_columns: dict[str, tuple[tuple[str, ...], ColumnValues]] = {}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_STARTS = frozenset(FORMULA_PREFIXES)


def add_columns(key: str, names: Sequence[str], values: ColumnValues) -> None:
    """Export `names` after the lead's own columns, read by `values` for each batch (call from AppConfig.ready).

    Registering the same `key` again replaces that contribution in place.
    """
    _added_columns[key] = (tuple(names), values)


def columns() -> list[str]:
    """Every exported column, in order: the CSV header, and the keys of each JSON record."""
    added = [name for names, _ in _added_columns.values() for name in names]
    return LEAD_FIELDS + list(RELATED_FIELDS) + added


class ExportFormat(TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


def neutralise_formula(value: str) -> str:
    """Make a cell that starts like a formula read as text in Excel, LibreOffice and Google Sheets.

    The importer's error CSV and score_file's output use it too.
    """
    return "'" + value if value and value[0] in _FORMULA_STARTS else value


# One converter per column, chosen once from the model field, because a million-lead export calls
# them tens of millions of times.
def _text_cell(value: Any) -> str:
    return neutralise_formula(str(value)) if value else ""


def _json_cell(value: Any) -> str:
    # Attributes and score factors keep their structure in one cell; a JSON object or list never
    # starts like a formula.
    return "" if value is None else json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


def _bool_cell(value: Any) -> str:
    return "true" if value else "false"


def _number_cell(value: Any) -> Any:
    return "" if value is None else value


def _moment_cell(value: Any) -> str:
    return "" if value is None else value.isoformat()


def _cell_converter(column: str) -> Callable[[Any], Any]:
    if column not in LEAD_FIELDS:
        return _text_cell
    field = Lead._meta.get_field(column)
    if isinstance(field, models.JSONField):
        return _json_cell
    if isinstance(field, models.BooleanField):
        return _bool_cell
    if isinstance(field, (models.IntegerField, models.FloatField)):
        return _number_cell
    if isinstance(field, models.DateTimeField):
        return _moment_cell
    return _text_cell


class LeadExport:
    """One export run. Iterate `chunks()` to stream it; `count` says how many leads went out."""

    def __init__(
        self,
        leads: QuerySet[Lead] | None = None,
        format: str = ExportFormat.CSV,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        """`leads` is the filtered set to export (the dashboard's `filtered_leads`); all leads by default."""
        if format not in ExportFormat.values:
            raise ValueError(f"Unknown export format {format!r}; choose one of: {', '.join(ExportFormat.values)}")
        self.leads = Lead.objects.all() if leads is None else leads
        self.format = format
        self.batch_size = batch_size
        self.count = 0

    def records(self) -> Iterator[list[dict[str, Any]]]:
        """Batches of lead records, newest first, each carrying the added columns."""
        leads = self.leads.order_by("-created_at", "-id")
        after: Q | None = None
        while True:
            page = leads.filter(after) if after is not None else leads
            batch = list(page.values(*LEAD_FIELDS, **RELATED_FIELDS)[: self.batch_size])
            if not batch:
                return
            ids = [record["id"] for record in batch]
            for names, values in _added_columns.values():
                found = values(ids)
                for record in batch:
                    given = found.get(record["id"], {})
                    for name in names:
                        record[name] = given.get(name, "")
            self.count += len(batch)
            yield batch
            if len(batch) < self.batch_size:
                return
            last = batch[-1]
            # Keyset: strictly older than the last row seen, ties on created_at broken by id. The leading
            # `created_at <=` is what lets PostgreSQL start the index scan there instead of filtering
            # every newer row again on each batch.
            moment = last["created_at"]
            after = Q(created_at__lte=moment) & (Q(created_at__lt=moment) | Q(created_at=moment, id__lt=last["id"]))

    def chunks(self) -> Iterator[str]:
        """The export as text chunks, one per batch, ready for a file or a StreamingHttpResponse."""
        if self.format == ExportFormat.JSON:
            yield from self._json_chunks()
        else:
            yield from self._csv_chunks()

    def _csv_chunks(self) -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # The byte-order mark makes Excel read the file as UTF-8 (Zoë, José, 陈伟 stay intact).
        buffer.write("\ufeff")
        header = columns()
        writer.writerow(header)
        yield _drain(buffer)
        converters = [(column, _cell_converter(column)) for column in header]
        for batch in self.records():
            writer.writerows([[convert(record[column]) for column, convert in converters] for record in batch])
            yield _drain(buffer)

    def _json_chunks(self) -> Iterator[str]:
        yield "["
        separator = "\n"
        for batch in self.records():
            parts = []
            for record in batch:
                parts.append(separator + json.dumps(record, ensure_ascii=False, cls=DjangoJSONEncoder))
                separator = ",\n"
            yield "".join(parts)
        yield "\n]\n"


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
