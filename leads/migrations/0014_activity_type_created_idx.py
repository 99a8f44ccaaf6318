"""The reports count one kind of timeline entry in a period; without this they read the whole timeline."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0013_lead_created_index_covers_search'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='activitylog',
            index=models.Index(fields=['type', 'created_at'], name='activity_type_created_idx'),
        ),
    ]
