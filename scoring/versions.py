"""Changing the scoring version in force: activate one, roll back to an earlier one.

Exactly one ScoringConfig is active. Activating another deactivates the previous one (which stays
for rollback), and once that commits the open leads are qualified again under the new version in
the background (scoring.pipeline.tasks.rescore_open_leads), and the lead lists are told the lead
base changed.
"""

from django.db import transaction
from django.utils import timezone

from leads.signals import announce_leads_changed
from scoring.models import ScoringConfig
from scoring.pipeline.tasks import rescore_open_leads


def activate(config: ScoringConfig) -> None:
    """Make this the version that scores leads; the previous one stays for rollback."""
    with transaction.atomic():
        ScoringConfig.objects.select_for_update().filter(is_active=True).exclude(pk=config.pk).update(is_active=False)
        config.is_active = True
        config.activated_at = timezone.now()
        config.save(update_fields=["is_active", "activated_at"])
        # Scores on the dashboard should follow the version in force, not the one that was.
        rescore_open_leads.delay_on_commit(config.version)
        announce_leads_changed()


def roll_back(version: int) -> ScoringConfig:
    """Activate an earlier version again (any version can be)."""
    config = ScoringConfig.objects.get(version=version)
    activate(config)
    return config
