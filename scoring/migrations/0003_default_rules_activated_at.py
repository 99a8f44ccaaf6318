"""The seeded default rules version was active from the start but had no activated_at, so after the
first learned version took over, the Scoring model page offered no "Roll back" to it."""

from django.db import migrations
from django.db.models import F

DEFAULT_NOTES = "Default rules shipped with LeadOps."


def set_activated_at(apps, schema_editor):
    ScoringConfig = apps.get_model("scoring", "ScoringConfig")
    ScoringConfig.objects.filter(version=1, source="rules", notes=DEFAULT_NOTES, activated_at__isnull=True).update(
        activated_at=F("created_at"))


def clear_activated_at(apps, schema_editor):
    ScoringConfig = apps.get_model("scoring", "ScoringConfig")
    ScoringConfig.objects.filter(version=1, source="rules", notes=DEFAULT_NOTES, activated_at=F("created_at")).update(
        activated_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0002_default_rules_config"),
    ]

    operations = [
        migrations.RunPython(set_activated_at, clear_activated_at),
    ]
