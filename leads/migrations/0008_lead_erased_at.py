"""Erasure (leads.erasure): when a lead's personal data was erased, and the timeline's ERASED entry.

A nullable column and a new choice: both reverse without losing anything but the erasure dates.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0007_lead_disqualification_waiting'),
    ]

    operations = [
        migrations.AddField(
            model_name='lead',
            name='erased_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='activitylog',
            name='type',
            field=models.CharField(choices=[('INGESTED', 'Ingested'), ('UPDATED', 'Updated'), ('SCORED', 'Scored'), ('EMAIL_DRAFTED', 'Email drafted'), ('EMAIL_APPROVED', 'Email approved'), ('EMAIL_REJECTED', 'Email rejected'), ('EMAIL_SENT', 'Email sent'), ('STATUS_CHANGED', 'Status changed'), ('REPLY_RECEIVED', 'Reply received'), ('UNSUBSCRIBED', 'Unsubscribed'), ('BOUNCED', 'Bounced'), ('SEQUENCE', 'Sequence'), ('FEEDBACK', 'Outcome recorded'), ('NOTE', 'Note'), ('ERROR', 'Error'), ('ERASED', 'Personal data erased')], max_length=20),
        ),
    ]
