"""Activating a scoring version re-scores the open leads, so the dashboard follows the version in force."""

import pytest

from leads.models import Lead
from scoring import versions
from scoring.models import ScoringConfig
from scoring.tests.test_pipeline import qualified

pytestmark = pytest.mark.django_db


def _new_version(**weights: int) -> ScoringConfig:
    active = ScoringConfig.objects.get(is_active=True)
    return ScoringConfig.objects.create(
        version=ScoringConfig.next_version(), source=ScoringConfig.Source.MANUAL,
        weights={**active.weights, **weights}, thresholds=active.thresholds, profile=active.profile,
    )


def test_activating_a_version_rescores_open_leads_under_it(django_capture_on_commit_callbacks):
    open_lead = qualified()
    closed = qualified(email="closed.buyer@northwind-logistics.com")
    Lead.objects.filter(pk=closed.pk).update(status=Lead.Status.CLOSED_WON)
    before = open_lead.score_value
    version = _new_version(**{"seniority.vp": 0})

    with django_capture_on_commit_callbacks(execute=True):
        versions.activate(version)

    open_lead.refresh_from_db()
    closed.refresh_from_db()
    assert open_lead.score_version == version.version
    assert open_lead.score_value < before  # the VP title no longer counts
    assert all(factor["points"] == 0 for factor in open_lead.score_factors if factor["factor"] == "VP title")
    assert sum(factor["points"] for factor in open_lead.score_factors) == open_lead.score_value
    assert closed.score_version != version.version and closed.status == Lead.Status.CLOSED_WON


def test_a_version_replaced_before_its_rescore_ran_rescores_nothing(django_capture_on_commit_callbacks):
    from scoring.tasks import rescore_open_leads

    qualified()
    first, second = _new_version(**{"seniority.vp": 5}), _new_version(**{"seniority.vp": 10})
    versions.activate(first)
    versions.activate(second)
    assert rescore_open_leads(first.version) == 0
    assert rescore_open_leads(second.version) == 1
