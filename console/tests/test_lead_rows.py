"""The dashboard prints its rows with console.lead_rows; templates/leads/_lead_row.html is the reference markup."""

import datetime
import re
import uuid
from dataclasses import replace

import pytest
from django.template.loader import render_to_string

from console import lead_rows
from console.dashboard import Row

BASE = Row(
    id=uuid.uuid4(), url="/leads/x/", name="Zoë O'Brien <script>", email='zoe"@example.com', company="Acme & Sons",
    status="QUALIFIED", status_label="Qualified", label="HOT", score=88, score_text="88 pts", score_version=3,
    action_label="Send email", gated=True, approval_reason="Enterprise: 5001+ people", source_label="Web form",
    owner="Rita Lopez", created_at=datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC),
    created="2026-12-01 09:30",
)
KINDS = [
    BASE,
    replace(BASE, email="", label="", score=None, score_text="", score_version=None),
    replace(BASE, company="", action_label="", gated=False, owner="", score_version=None),
    replace(BASE, name="lee@example.com", email="", label="COLD", score_text="25 %", approval_reason=""),
]


def _tidy(html: str) -> str:
    """The template's own comment and line breaks between tags are not part of the markup."""
    html = re.sub(r"\{#.*?#\}", "", html, flags=re.S)
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("row", KINDS, ids=["full", "unscored", "blanks", "no-name"])
def test_the_fast_rows_print_what_the_reference_template_prints(row):
    assert _tidy(lead_rows.row_html(row)) == _tidy(render_to_string("leads/_lead_row.html", {"row": row}))


def test_every_value_is_escaped():
    html = lead_rows.rows_html([BASE])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Acme &amp; Sons" in html and "O&#x27;Brien" in html
