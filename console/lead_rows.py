"""The dashboard's table rows as HTML, built in Python: the fast path of `templates/leads/_lead_row.html`.

Django's template engine spends about 15 µs on each value it prints; 50 rows of about 17 values were more than
half of every dashboard view's CPU (bench/ui_bench.py, the five dashboard pages). Here a row is one format
string and `html.escape` per value, a few µs a row. The template stays the reference markup;
console/tests/test_lead_rows.py checks that both print the same HTML for every kind of row.
"""

from collections.abc import Iterable
from html import escape
from typing import Any, Protocol

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


class _Row(Protocol):
    id: Any
    url: str
    name: str
    email: str
    company: str
    status: str
    status_label: str
    label: str
    score_text: str
    score_version: int | None
    action_label: str
    gated: bool
    approval_reason: str
    source_label: str
    owner: str
    created: str


def _text(value: Any) -> str:
    return escape(str(value), quote=True)


def _score(row: _Row) -> str:
    if not row.label:
        return '<span class="muted">not scored</span>'
    html = f'<span class="badge {_text(row.label)}">{_text(row.label)}</span> {_text(row.score_text)}'
    if row.score_version:
        version = _text(row.score_version)
        html += f' <span class="muted small" title="Scored by scoring version {version}">v{version}</span>'
    return html


def _action(row: _Row) -> str:
    html = _text(row.action_label or DASH)
    if row.gated:
        html += f' <span class="badge gate" title="{_text(row.approval_reason)}">manager</span>'
    return html


def row_html(row: _Row) -> str:
    return ROW.format(
        id=_text(row.id), url=_text(row.url), name=_text(row.name),
        email=f'<div class="muted small">{_text(row.email)}</div>' if row.email else "",
        company=_text(row.company or DASH), status=_text(row.status), status_label=_text(row.status_label),
        score=_score(row), action=_action(row), source_label=_text(row.source_label),
        owner=_text(row.owner or DASH), created=_text(row.created),
    )


def rows_html(rows: Iterable[_Row]) -> SafeString:
    """Every row's HTML, escaped value by value, so safe to print as is."""
    return mark_safe("".join(row_html(row) for row in rows))  # noqa: S308 - each value is escaped above
