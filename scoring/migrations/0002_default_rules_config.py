"""Seed scoring version 1: the default rule weights, thresholds and profile, active."""

from django.db import migrations


def create_default_config(apps, schema_editor):
    from scoring.rules import DEFAULT_PROFILE, DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS

    ScoringConfig = apps.get_model("scoring", "ScoringConfig")
    if ScoringConfig.objects.exists():
        return
    ScoringConfig.objects.create(
        version=1, source="rules", is_active=True, weights=dict(DEFAULT_WEIGHTS),
        thresholds=dict(DEFAULT_THRESHOLDS), profile=dict(DEFAULT_PROFILE),
        notes="Default rules shipped with LeadOps.",
    )


def remove_default_config(apps, schema_editor):
    ScoringConfig = apps.get_model("scoring", "ScoringConfig")
    ScoringConfig.objects.filter(version=1, source="rules", notes="Default rules shipped with LeadOps.").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_default_config, remove_default_config),
    ]
