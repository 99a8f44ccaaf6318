import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0009_draft_original_text'),
    ]

    operations = [
        migrations.CreateModel(
            name='TrackingEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('open', 'Opened'), ('click', 'Clicked')], max_length=5)),
                ('url', models.CharField(blank=True, max_length=2000)),
                ('counted', models.BooleanField(default=True)),
                ('filtered_because', models.CharField(blank=True, max_length=100)),
                ('user_agent', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('draft', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tracking_events', to='outreach.emaildraft')),
            ],
            options={
                'ordering': ['-created_at'],
                'indexes': [models.Index(condition=models.Q(('counted', True)), fields=['created_at'], name='tracking_counted_idx')],
            },
        ),
    ]
