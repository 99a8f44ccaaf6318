"""A disqualification waiting for a manager to confirm it: why, who asked and since when, with two partial
indexes (the managers' list; deleting a user). Only adds columns and indexes, so it reverses.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0006_activitylog_type_without_enriched'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='lead',
            name='disqualification_reason',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='lead',
            name='disqualification_requested_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='lead',
            name='disqualification_requested_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('disqualification_reason', ''), _negated=True), fields=['disqualification_requested_at'], name='lead_disq_waiting_idx'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('disqualification_requested_by__isnull', False)), fields=['disqualification_requested_by'], name='lead_disq_requested_by_idx'),
        ),
    ]
