"""A learned version in the qualification pipeline: the score node uses it once it has enough outcomes."""

import pytest

from leads.models import Lead
from scoring.learning.training import train
from scoring.pipeline import runner
from scoring.tests.outcome_data import create_leads_with_outcomes

pytestmark = pytest.mark.django_db


def qualify(**fields: object) -> Lead:
    lead = Lead.objects.create(**fields)
    runner.qualify([str(lead.id)])
    lead.refresh_from_db()
    return lead


def test_the_pipeline_scores_with_the_active_learned_version() -> None:
    create_leads_with_outcomes(600)
    config = train().config
    lead = qualify(external_id="fresh", first_name="Ada", company_name="Acme",
                   attributes={"Lead Source": "Reference", "Time on site": "1800"})
    assert lead.score_version == config.version
    assert lead.score_factors[0]["factor"] == "Base rate"
    assert any(factor["factor"] == "Lead Source = Reference" for factor in lead.score_factors)
    assert sum(factor["points"] for factor in lead.score_factors) == lead.score_value
    assert lead.score_probability == pytest.approx(lead.score_value / 100, abs=0.006)


def test_the_rules_score_until_there_are_enough_conversions(settings) -> None:
    settings.LEARNING_MIN_CONVERSIONS = 10_000
    create_leads_with_outcomes(300)
    config = train().config
    config.activate()
    lead = qualify(external_id="fresh", first_name="Ada", company_name="Acme",
                   attributes={"Lead Source": "Reference"})
    assert not any(factor["factor"] == "Base rate" for factor in lead.score_factors)
