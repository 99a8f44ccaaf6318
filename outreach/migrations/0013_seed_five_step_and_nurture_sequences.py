"""The seed sequences: the default follow-up in the five steps seed strategies use (introduction, value
proposition with a demo-invite variant, case study or proof, soft reminder, break-up), and a monthly nurture
sequence for held and cold leads (templates nurture_1..3). The template keys are the template store's seeds
(fixtures/email_templates.json); a single-template step picks the store's closest match for the lead's source
and industry within that template's purpose (outreach.sequences.render_step)."""

from django.db import migrations

DEFAULT = "Default follow-up"
NURTURE = "Nurture"
# (position, name, variant, working days after the previous step, templates, tone, length)
FIVE_STEPS = [
    (1, "Introduction", "first_touch", 0, ["first_touch"], "warm, specific to them", "under 120 words"),
    (2, "Value proposition", "follow_up_1", 2, ["value_proposition", "demo_invite"], "helpful, no pressure",
     "under 90 words"),
    (3, "Case study or proof", "follow_up_2", 3, ["case_study"], "concrete, one example", "under 90 words"),
    (4, "Soft reminder", "follow_up_3", 3, ["soft_reminder"], "light, friendly", "under 60 words"),
    (5, "Break-up", "breakup", 5, ["breakup"], "polite, leaves the door open", "under 60 words"),
]
NURTURE_STEPS = [
    (1, "Useful signals", "nurture", 20, ["nurture_1"], "generous, no ask", "under 120 words"),
    (2, "One number worth knowing", "nurture", 21, ["nurture_2"], "generous, no ask", "under 100 words"),
    (3, "Check-in", "nurture", 21, ["nurture_3"], "light, no pressure", "under 80 words"),
]
# What 0006 left the default with (its four steps converted to working days).
OLD_STEPS = [(1, "first_touch", 0), (2, "follow_up_1", 2), (3, "follow_up_2", 3), (4, "breakup", 5)]


def _write_steps(SequenceStep, sequence, steps) -> None:
    for position, name, variant, wait, keys, tone, length in steps:
        SequenceStep.objects.update_or_create(
            sequence=sequence, position=position,
            defaults={"name": name, "variant": variant, "wait_business_days": wait, "template_keys": keys,
                      "tone": tone, "length": length, "kind": "email"})


def seed(apps, schema_editor):
    Sequence = apps.get_model("outreach", "Sequence")
    SequenceStep = apps.get_model("outreach", "SequenceStep")
    default = Sequence.objects.filter(name=DEFAULT).first()
    # A team that already changed its default's steps keeps them.
    if default is not None and [(step.position, step.variant) for step in default.steps.order_by("position")] == [
            (position, variant) for position, variant, _wait in OLD_STEPS]:
        _write_steps(SequenceStep, default, FIVE_STEPS)
    nurture, _created = Sequence.objects.get_or_create(name=NURTURE, defaults={"purpose": "nurture"})
    if not nurture.steps.exists():
        _write_steps(SequenceStep, nurture, NURTURE_STEPS)


def unseed(apps, schema_editor):
    Sequence = apps.get_model("outreach", "Sequence")
    SequenceStep = apps.get_model("outreach", "SequenceStep")
    Enrollment = apps.get_model("outreach", "Enrollment")
    if not Enrollment.objects.filter(sequence__name=NURTURE).exists():
        Sequence.objects.filter(name=NURTURE).delete()
    default = Sequence.objects.filter(name=DEFAULT).first()
    if default is None or list(default.steps.order_by("position").values_list("variant", flat=True)) != [
            step[2] for step in FIVE_STEPS]:
        return
    SequenceStep.objects.filter(sequence=default, position__in=(4, 5)).delete()
    for position, variant, wait in OLD_STEPS:
        SequenceStep.objects.update_or_create(
            sequence=default, position=position,
            defaults={"variant": variant, "wait_business_days": wait, "template_keys": [variant], "name": "",
                      "tone": "", "length": ""})


class Migration(migrations.Migration):
    dependencies = [("outreach", "0012_designed_sequences")]

    operations = [migrations.RunPython(seed, unseed)]
