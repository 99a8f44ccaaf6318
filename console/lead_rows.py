"""The dashboard's table rows as HTML, built in Python: the fast path of `templates/leads/_lead_row.html`.

Django's template engine spends about 15 µs on each value it prints; 50 rows of about 17 values were more than
half of every dashboard view's CPU (bench/ui_bench.py, the five dashboard pages). Here a row is one format
string and `html.escape` per value, a few µs a row. The template stays the reference markup;
console/tests/test_lead_rows.py checks that both print the same HTML for every kind of row.
"""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

ROW = (
    '<tr>\n'
    '<td data-label="Select"><input type="checkbox" name="lead" value="{id}" form="bulk-assign" '
    'aria-label="Select {name}"></td>\n'
    '<td data-label="Name"><a href="{url}"><strong>{name}</strong></a>{email}</td>\n'
    '<td data-label="Company">{company}</td>\n'
    '<td data-label="Status"><span class="status status-{status}">{status_label}</span></td>\n'
    '<td data-label="Score">{score}</td>\n'
    '<td data-label="Action">{action}</td>\n'
    '<td data-label="Source">{source_label}</td>\n'
    '<td data-label="Owner">{owner}</td>\n'
    '<td class="nowrap" data-label="Created">{created}</td>\n'
    '</tr>\n'
)
DASH = "—"


@dataclass
class Row:
    """One table row, ready to print: the table shows 50 of these on every dashboard view, and
    building them from plain values costs a fraction of full Lead instances with their 40 fields."""

    id: uuid.UUID
    url: str
    name: str
    email: str
    company: str
    status: str
    status_label: str
    label: str
    score: int | None
    # The score on its version's scale ("25 %" learned, "43 pts" rules) and the version that gave it.
    score_text: str
    score_version: int | None
    action_label: str
    gated: bool
    approval_reason: str
    source_label: str
    owner: str
    created_at: datetime.datetime
    created: str


def text(value: Any) -> str:
    """A value as HTML text, escaped as Django's templates escape it."""
    return escape(str(value), quote=True)


def _score(row: Row) -> str:
    if not row.label:
        return '<span class="muted">not scored</span>'
    html = f'<span class="badge {text(row.label)}">{text(row.label)}</span> {text(row.score_text)}'
    if row.score_version:
        version = text(row.score_version)
        html += f' <span class="muted small" title="Scored by scoring version {version}">v{version}</span>'
    return html


def _action(row: Row) -> str:
    html = text(row.action_label or DASH)
    if row.gated:
        html += f' <span class="badge gate" title="{text(row.approval_reason)}">manager</span>'
    return html


def row_html(row: Row) -> str:
    return ROW.format(
        id=text(row.id), url=text(row.url), name=text(row.name),
        email=f'<div class="muted small">{text(row.email)}</div>' if row.email else "",
        company=text(row.company or DASH), status=text(row.status), status_label=text(row.status_label),
        score=_score(row), action=_action(row), source_label=text(row.source_label),
        owner=text(row.owner or DASH), created=text(row.created),
    )


def rows_html(rows: Iterable[Row]) -> SafeString:
    """Every row's HTML, escaped value by value, so safe to print as is."""
    return mark_safe("".join(row_html(row) for row in rows))  # noqa: S308 - each value is escaped above
