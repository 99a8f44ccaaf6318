"""The default follow-up sequence: first touch (day 0), follow-up 1 (day 3), follow-up 2 (day 7), break-up (day 14)."""

from django.db import migrations

NAME = "Default follow-up"
STEPS = [("first_touch", 0), ("follow_up_1", 3), ("follow_up_2", 7), ("breakup", 14)]


def create_default_sequence(apps, schema_editor):
    Sequence = apps.get_model("outreach", "Sequence")
    SequenceStep = apps.get_model("outreach", "SequenceStep")
    if Sequence.objects.filter(is_default=True).exists():
        return
    sequence, _created = Sequence.objects.get_or_create(name=NAME, defaults={"is_default": True})
    for position, (variant, delay_days) in enumerate(STEPS, start=1):
        SequenceStep.objects.get_or_create(
            sequence=sequence, position=position, defaults={"variant": variant, "delay_days": delay_days}
        )


def remove_default_sequence(apps, schema_editor):
    Sequence = apps.get_model("outreach", "Sequence")
    Enrollment = apps.get_model("outreach", "Enrollment")
    # Keep it if leads were enrolled in it: their history points at it.
    if not Enrollment.objects.filter(sequence__name=NAME).exists():
        Sequence.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("outreach", "0002_quota_index")]

    operations = [migrations.RunPython(create_default_sequence, remove_default_sequence)]
