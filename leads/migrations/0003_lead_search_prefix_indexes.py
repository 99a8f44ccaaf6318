"""Prefix-search indexes for the dashboard's search box (name, email, company) on PostgreSQL.

The search matches the start of first name, last name, company (case-insensitively) or email
(stored lower-case). LIKE 'term%' can use a btree only with a pattern operator class under a
non-C collation; without these, a search reads every lead (~800 ms at a million). SQLite (the
embedded default) has no operator classes and small tables, so it gets none.
"""

from django.db import migrations

INDEXES = {
    "lead_email_prefix_idx": "(email varchar_pattern_ops)",
    "lead_first_name_prefix_idx": "(UPPER(first_name) text_pattern_ops)",
    "lead_last_name_prefix_idx": "(UPPER(last_name) text_pattern_ops)",
    "lead_company_prefix_idx": "(UPPER(company_name) text_pattern_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON leads_lead {columns}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0002_lead_score_sort_index"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
