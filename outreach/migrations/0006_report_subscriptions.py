"""Report subscriptions; the daily briefing every manager got becomes each one's daily subscription."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import outreach.subscription_models


def subscribe_managers(apps, schema_editor):
    """Whoever got the old 07:00 briefing (active managers and superusers with an address) keeps it."""
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    ReportSubscription = apps.get_model("outreach", "ReportSubscription")
    managers = User.objects.filter(models.Q(groups__name="manager") | models.Q(is_superuser=True),
                                   is_active=True).exclude(email="").distinct()
    ReportSubscription.objects.bulk_create([
        ReportSubscription(user=user, sections=["team"], cadence="daily", hour=7, timezone=settings.TIME_ZONE)
        for user in managers
    ])
    # The briefing's beat entry was copied into django-celery-beat's table; its task is gone.
    if apps.is_installed("django_celery_beat"):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="outreach-daily-briefing").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0005_draft_window_waived_by'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReportSubscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sections', models.JSONField(default=list)),
                ('cadence', models.CharField(choices=[('daily', 'Daily'), ('weekly', 'Weekly')], default='daily', max_length=10)),
                ('weekday', models.PositiveSmallIntegerField(blank=True, help_text='0 is Monday; weekly emails only', null=True, validators=[django.core.validators.MaxValueValidator(6)])),
                ('hour', models.PositiveSmallIntegerField(default=7, validators=[django.core.validators.MaxValueValidator(23)])),
                ('timezone', models.CharField(default=outreach.subscription_models.deployment_timezone, help_text='IANA name, e.g. Europe/Berlin', max_length=64)),
                ('enabled', models.BooleanField(default=True)),
                ('last_sent_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='report_subscriptions', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['user_id', 'cadence'],
                'constraints': [models.UniqueConstraint(fields=('user', 'cadence'), name='one_report_subscription_per_cadence'), models.CheckConstraint(condition=models.Q(('cadence', 'daily'), ('weekday__isnull', False), _connector='OR'), name='weekly_report_has_weekday')],
            },
        ),
        migrations.RunPython(subscribe_managers, migrations.RunPython.noop),
    ]
