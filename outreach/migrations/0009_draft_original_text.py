"""Keep what the machine drafted beside what a person approved, for the agent-performance report."""

from django.db import migrations, models
from django.db.models import F


def drafted_by_from_generated_by(apps, schema_editor):
    """Drafts nobody edited were written by what generated_by says; edited ones lost that (left blank)."""
    EmailDraft = apps.get_model("outreach", "EmailDraft")
    EmailDraft.objects.exclude(generated_by="person").update(drafted_by=F("generated_by"))


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0008_report_subscriptions'),
    ]

    operations = [
        migrations.AddField(
            model_name='emaildraft',
            name='drafted_by',
            field=models.CharField(blank=True, choices=[('template', 'Template'), ('llm', 'LLM'), ('person', 'Written by a person')], max_length=10),
        ),
        migrations.AddField(
            model_name='emaildraft',
            name='original_body',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='emaildraft',
            name='original_subject',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='emaildraft',
            name='words_changed',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(drafted_by_from_generated_by, migrations.RunPython.noop),
    ]
