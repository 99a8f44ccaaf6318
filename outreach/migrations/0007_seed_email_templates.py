"""The seed email templates from fixtures/email_templates.json, each with its first version.

Reversing removes only the seeded templates nobody has changed since (a team's edits are kept).
"""

import json

from django.conf import settings
from django.db import migrations

SEED_PATH = settings.BASE_DIR / "fixtures" / "email_templates.json"
NOTE = "Seeded from fixtures/email_templates.json"


def _seed():
    with open(SEED_PATH, encoding="utf-8") as handle:
        data = json.load(handle)
    return {key: value for key, value in data.items() if not key.startswith("_")}


def seed_templates(apps, schema_editor):
    EmailTemplate = apps.get_model("outreach", "EmailTemplate")
    EmailTemplateVersion = apps.get_model("outreach", "EmailTemplateVersion")
    for key, value in _seed().items():
        if EmailTemplate.objects.filter(key=key).exists():
            continue
        template = EmailTemplate.objects.create(
            key=key, name=value.get("name") or key.replace("_", " ").capitalize(),
            purpose=value.get("purpose", key), source=value.get("source", ""), industry=value.get("industry", ""),
            subject=value["subject"], body=value["body"], version=1,
        )
        EmailTemplateVersion.objects.create(template=template, number=1, subject=template.subject,
                                            body=template.body, note=NOTE)


def remove_seeded_templates(apps, schema_editor):
    EmailTemplate = apps.get_model("outreach", "EmailTemplate")
    EmailTemplate.objects.filter(key__in=list(_seed()), version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("outreach", "0006_email_templates")]

    operations = [migrations.RunPython(seed_templates, remove_seeded_templates)]
