"""Search finds any part of a name, email (so its domain), or company on PostgreSQL, through trigram indexes.

The dashboard's search box matches anywhere in first name, last name, company (case-insensitively, as
Django's icontains writes it: UPPER(column) LIKE UPPER('%term%')) and email (stored lower-case, matched with
LIKE '%term%'). A btree cannot serve a match in the middle of a value; pg_trgm's GIN operator class can, so
"HR Cloud" or "mosaichr" stays a few index reads at a million leads instead of reading every lead. The
prefix indexes of 0003 served only matches at the start, which the search no longer asks for: dropping
them keeps the import's writes per row where they were. SQLite (the embedded default) has no pg_trgm and
small tables; it reads the table.
"""

from django.db import migrations

TRIGRAM_INDEXES = {
    "lead_email_trgm_idx": "(email gin_trgm_ops)",
    "lead_first_name_trgm_idx": "(UPPER(first_name) gin_trgm_ops)",
    "lead_last_name_trgm_idx": "(UPPER(last_name) gin_trgm_ops)",
    "lead_company_trgm_idx": "(UPPER(company_name) gin_trgm_ops)",
}
PREFIX_INDEXES = {
    "lead_email_prefix_idx": "(email varchar_pattern_ops)",
    "lead_first_name_prefix_idx": "(UPPER(first_name) text_pattern_ops)",
    "lead_last_name_prefix_idx": "(UPPER(last_name) text_pattern_ops)",
    "lead_company_prefix_idx": "(UPPER(company_name) text_pattern_ops)",
}


def _swap(schema_editor, create: dict[str, str], drop: dict[str, str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in drop:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, columns in create.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON leads_lead USING gin {columns}"
                              if "gin_trgm_ops" in columns else
                              f"CREATE INDEX IF NOT EXISTS {name} ON leads_lead {columns}")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _swap(schema_editor, TRIGRAM_INDEXES, PREFIX_INDEXES)


def backwards(apps, schema_editor):
    # The extension stays: another database object may use it, and it costs nothing unused.
    _swap(schema_editor, PREFIX_INDEXES, TRIGRAM_INDEXES)


class Migration(migrations.Migration):

    dependencies = [
        ("leads", "0010_form_key"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
