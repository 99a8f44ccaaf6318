"""ActivityLog.Type loses ENRICHED, which nothing ever wrote (what enrichment found is kept on the lead).

Only the field's choices change, so the database is untouched either way and the migration reverses.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0005_label_index_only_scored_leads'),
    ]

    operations = [
        migrations.AlterField(
            model_name='activitylog',
            name='type',
            field=models.CharField(choices=[('INGESTED', 'Ingested'), ('UPDATED', 'Updated'), ('SCORED', 'Scored'), ('EMAIL_DRAFTED', 'Email drafted'), ('EMAIL_APPROVED', 'Email approved'), ('EMAIL_REJECTED', 'Email rejected'), ('EMAIL_SENT', 'Email sent'), ('STATUS_CHANGED', 'Status changed'), ('REPLY_RECEIVED', 'Reply received'), ('UNSUBSCRIBED', 'Unsubscribed'), ('BOUNCED', 'Bounced'), ('SEQUENCE', 'Sequence'), ('FEEDBACK', 'Outcome recorded'), ('NOTE', 'Note'), ('ERROR', 'Error')], max_length=20),
        ),
    ]
