"""Sequences a team designs: steps wait in working days after the previous step (was: calendar days after the
first touch), carry tone and length guidance and one or more template keys (A/B), and may be tasks; rules
choose a follow-up sequence per source, label or owner; a sequence may be the nurture one."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _to_working_days(calendar_days: int) -> int:
    return round(calendar_days * 5 / 7)


def steps_to_working_days(apps, schema_editor):
    SequenceStep = apps.get_model("outreach", "SequenceStep")
    previous: dict[int, int] = {}
    for step in SequenceStep.objects.order_by("sequence_id", "position"):
        before = previous.get(step.sequence_id)
        step.wait_business_days = 0 if before is None else _to_working_days(max(step.delay_days - before, 0))
        step.template_keys = [step.variant]
        previous[step.sequence_id] = step.delay_days
        step.save(update_fields=["wait_business_days", "template_keys"])


def steps_to_calendar_days(apps, schema_editor):
    SequenceStep = apps.get_model("outreach", "SequenceStep")
    total: dict[int, int] = {}
    for step in SequenceStep.objects.order_by("sequence_id", "position"):
        total[step.sequence_id] = total.get(step.sequence_id, 0) + round(step.wait_business_days * 7 / 5)
        step.delay_days = total[step.sequence_id]
        step.save(update_fields=["delay_days"])


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0011_enrollment_paused'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='sequence',
            name='purpose',
            field=models.CharField(choices=[('follow_up', 'Follow-up after a first touch'), ('nurture', 'Nurture for held and cold leads')], default='follow_up', max_length=10),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='kind',
            field=models.CharField(choices=[('email', 'Email'), ('task', 'Task for the rep')], default='email', max_length=10),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='length',
            field=models.CharField(blank=True, help_text='e.g. under 90 words', max_length=100),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='name',
            field=models.CharField(blank=True, help_text='What the step is for: “Case study”', max_length=80),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='retired_template_keys',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='task_kind',
            field=models.CharField(blank=True, choices=[('CALL', 'Call'), ('EMAIL', 'Email'), ('LINKEDIN', 'LinkedIn message'), ('CUSTOM', 'To-do')], max_length=10),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='task_title',
            field=models.CharField(blank=True, help_text='What the rep is asked to do', max_length=200),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='template_keys',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='tone',
            field=models.CharField(blank=True, help_text='e.g. warm, direct, no jargon', max_length=100),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='updated_at',
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddField(
            model_name='sequencestep',
            name='wait_business_days',
            field=models.PositiveSmallIntegerField(default=0, help_text='Working days after the previous step'),
        ),
        migrations.AlterField(
            model_name='emaildraft',
            name='variant',
            field=models.CharField(choices=[('first_touch', 'First touch'), ('follow_up_1', 'Follow-up 1'), ('follow_up_2', 'Follow-up 2'), ('follow_up_3', 'Follow-up 3'), ('breakup', 'Break-up'), ('nurture', 'Nurture'), ('clarifying_question', 'Clarifying question')], default='first_touch', max_length=20),
        ),
        migrations.AlterField(
            model_name='sequence',
            name='is_default',
            field=models.BooleanField(default=False, help_text='Follow-up leads no rule matches get this sequence'),
        ),
        migrations.AlterField(
            model_name='sequencestep',
            name='variant',
            field=models.CharField(choices=[('first_touch', 'First touch'), ('follow_up_1', 'Follow-up 1'), ('follow_up_2', 'Follow-up 2'), ('follow_up_3', 'Follow-up 3'), ('breakup', 'Break-up'), ('nurture', 'Nurture'), ('clarifying_question', 'Clarifying question')], default='follow_up_1', max_length=20),
        ),
        migrations.CreateModel(
            name='SequenceRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=1, help_text='Rules are tried from the lowest number up')),
                ('source', models.CharField(blank=True, help_text='Leads from this source (blank = any)', max_length=20)),
                ('score_label', models.CharField(blank=True, help_text='Leads with this label (blank = any)', max_length=4)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('owner', models.ForeignKey(blank=True, help_text='Leads of this rep (blank = any)', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('sequence', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rules', to='outreach.sequence')),
            ],
            options={
                'ordering': ['position', 'pk'],
            },
        ),
        # A default, so that going back can add the column again before the data is filled in.
        migrations.AlterField(
            model_name='sequencestep',
            name='delay_days',
            field=models.PositiveSmallIntegerField(default=0, help_text='Days after the first touch was sent'),
        ),
        migrations.RunPython(steps_to_working_days, steps_to_calendar_days),
        migrations.RemoveField(
            model_name='sequencestep',
            name='delay_days',
        ),
    ]
