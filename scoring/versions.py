"""Changing the scoring version in force: activate one, roll back to an earlier one.

Exactly one ScoringConfig is active. Activating another deactivates the previous one (which stays
for rollback), and once that commits the open leads are qualified again under the new version in
the background (scoring.pipeline.tasks.rescore_open_leads), and the lead lists are told the lead
base changed.
"""

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from leadops import jobs
from leadops.models import Job
from leads.signals import announce_leads_changed
from scoring import requalification
from scoring.models import ScoringConfig
from scoring.pipeline.tasks import rescore_open_leads


def activate(config: ScoringConfig, user: Any = None) -> Job:
    """Make this the version that scores leads; the previous one stays for rollback.

    Returns the job that re-scores the open leads, for the page to follow.
    """
    with transaction.atomic():
        ScoringConfig.objects.select_for_update().filter(is_active=True).exclude(pk=config.pk).update(is_active=False)
        config.is_active = True
        config.activated_at = timezone.now()
        config.save(update_fields=["is_active", "activated_at"])
        # Scores on the dashboard should follow the version in force, not the one that was.
        job = jobs.start(Job.Kind.RESCORE, f"Re-scoring open leads with v{config.version}",
                         total=requalification.open_lead_count(), user=user, link=reverse("scoring:model"),
                         subject=f"scoring:v{config.version}")
        rescore_open_leads.delay_on_commit(config.version, job_id=str(job.pk))
        announce_leads_changed()
    return job


def roll_back(version: int, user: Any = None) -> ScoringConfig:
    """Activate an earlier version again (any version can be)."""
    config = ScoringConfig.objects.get(version=version)
    activate(config, user)
    return config
