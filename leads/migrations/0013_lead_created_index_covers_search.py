"""The newest-first index also holds what the dashboard's filters and search test (PostgreSQL's INCLUDE).

A search in date order looks for its page among the newest leads first (leads.filters._searched_ids): with
the names, company, email, status, label, source and owner in the index those reads are an index-only
scan, where reading each lead from the table cost as much as sorting every match. The index keeps its name
and its keys (created_at, id), so Django's model state is unchanged; SQLite (the embedded default) has no
INCLUDE and keeps the plain index.
"""

from django.db import migrations

CREATE = "CREATE INDEX lead_created_idx ON leads_lead (created_at DESC, id DESC)"
COVERED = " INCLUDE (first_name, last_name, company_name, email, status, score_label, source, owner_id)"


def _rebuild(schema_editor, statement: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS lead_created_idx")
    schema_editor.execute(statement)


def forwards(apps, schema_editor):
    _rebuild(schema_editor, CREATE + COVERED)


def backwards(apps, schema_editor):
    _rebuild(schema_editor, CREATE)


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0012_lead_score_sort_by_label"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
