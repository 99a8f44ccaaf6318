"""A learned version kept its HOT / WARM cut-offs (calibrated probability in percent, e.g. 20 / 10) in
`thresholds`, where the rules keep theirs in points (70 / 45) and the low-fit floor. The two scales
mixed: a learned version without enough outcomes scored by the rules but cut them at 20 points (most
leads HOT), and a manager's weight edit of it carried 20 / 10 into a rules version.

Forwards, the cut-offs move into `model["cutoffs"]` and `thresholds` become the rules' again: those of
the nearest earlier version without a model, else the defaults. Backwards restores the old layout.
"""

from django.db import migrations

# scoring.rules.DEFAULT_THRESHOLDS when this migration was written (a migration must not follow later edits).
DEFAULT_THRESHOLDS = {"hot": 70, "warm": 45, "disqualify": 15}


def _rules_thresholds(config, by_pk):
    seen = set()
    parent = by_pk.get(config.parent_id)
    while parent is not None and parent.pk not in seen:
        seen.add(parent.pk)
        if not parent.model:
            return {**DEFAULT_THRESHOLDS, **parent.thresholds}
        parent = by_pk.get(parent.parent_id)
    return dict(DEFAULT_THRESHOLDS)


def cutoffs_into_model(apps, schema_editor):
    ScoringConfig = apps.get_model("scoring", "ScoringConfig")
    by_pk = {config.pk: config for config in ScoringConfig.objects.all()}
    moved = []
    for config in by_pk.values():
        if config.model and "cutoffs" not in config.model:
            cutoffs = {"hot": int(config.thresholds.get("hot", 70)), "warm": int(config.thresholds.get("warm", 40))}
            moved.append((config, cutoffs))
    # Every rules threshold is read before any version is rewritten.
    rules = {config.pk: _rules_thresholds(config, by_pk) for config, _ in moved}
    for config, cutoffs in moved:
        config.model = {**config.model, "cutoffs": cutoffs}
        config.thresholds = rules[config.pk]
        config.save(update_fields=["model", "thresholds"])


def cutoffs_into_thresholds(apps, schema_editor):
    ScoringConfig = apps.get_model("scoring", "ScoringConfig")
    for config in ScoringConfig.objects.all():
        if config.model and "cutoffs" in config.model:
            model = dict(config.model)
            config.thresholds = model.pop("cutoffs")
            config.model = model
            config.save(update_fields=["model", "thresholds"])


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0003_default_rules_activated_at"),
    ]

    operations = [
        migrations.RunPython(cutoffs_into_model, cutoffs_into_thresholds),
    ]
