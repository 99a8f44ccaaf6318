"""train_scoring, the retraining task and learned scores of stored versions (database)."""

from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from leads.models import Feedback, Lead
from scoring.learning import lead_features, score_learned
from scoring.learning.training import labelled_leads, train
from scoring.models import ScoringConfig
from scoring.tasks import retrain_scoring
from scoring.tests.outcome_data import create_leads_with_outcomes

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("train_scoring", *args, stdout=out)
    return out.getvalue()


def learned_versions() -> list[ScoringConfig]:
    return list(ScoringConfig.objects.filter(source=ScoringConfig.Source.LEARNED).order_by("version"))


def test_it_stores_and_activates_a_learned_version_that_beats_the_rules() -> None:
    create_leads_with_outcomes(600)
    Lead.objects.update(score_value=50)  # what the rules gave them: no ranking at all
    output = run()
    [config] = learned_versions()
    assert config.is_active
    assert config.metrics["auc"] > 0.7
    assert config.metrics["outcomes"] == 600
    assert {"brier", "calibration", "label_rates", "fold_auc", "strongest_factors"} <= set(config.metrics)
    assert len(config.metrics["calibration"]) == 10
    assert config.metrics["compared_with"]["version"] == 1
    assert config.metrics["compared_with"]["auc"] == 0.5
    assert config.metrics["compared_with"]["leads"] == 600
    assert f"Stored v{config.version} and activated it: beats active v1 on the same folds" in output
    assert "ROC AUC" in output and "Calibration" in output


def test_leads_the_rules_never_scored_are_not_held_against_the_learned_version() -> None:
    create_leads_with_outcomes(300)
    result = train()
    assert result.activated
    assert "never scored these leads" in result.reason


def test_a_dry_run_prints_the_figures_and_stores_nothing() -> None:
    create_leads_with_outcomes(300)
    before = ScoringConfig.objects.count()
    output = run("--dry-run")
    assert "Dry run: nothing stored" in output
    assert ScoringConfig.objects.count() == before


def test_a_candidate_is_not_activated_until_outcomes_the_active_version_has_not_seen_come_in() -> None:
    create_leads_with_outcomes(600)
    first = train().config
    # Same outcomes again: the active model has seen them all, so there is nothing fair to compare on.
    second = train()
    assert second.config is not None and not second.activated
    assert f"no outcomes of both kinds came in since active v{first.version}" in second.reason
    first.refresh_from_db()
    assert first.is_active


def test_a_candidate_that_beats_the_active_version_on_new_outcomes_is_activated() -> None:
    create_leads_with_outcomes(400, signal=False)
    blind = train().config  # learned from outcomes without any signal: a flat model
    create_leads_with_outcomes(800, seed=1)
    result = train()
    assert result.activated, result.reason
    assert f"beats active v{blind.version}" in result.reason
    compared = result.config.metrics["compared_with"]
    assert compared["leads"] == 800
    assert compared["candidate_auc"] > compared["auc"] + 0.1


def test_a_candidate_that_does_not_beat_the_active_version_on_new_outcomes_stays_inactive() -> None:
    # Outcomes dated after the active version was trained, but which it did learn from: on them it
    # is in-sample and the candidate (held-out, and diluted by noise) cannot beat it.
    with time_machine.travel("2030-01-01 09:00Z"):
        create_leads_with_outcomes(800, seed=2)
    strong = train().config
    create_leads_with_outcomes(300, seed=3, signal=False)
    result = train()
    assert not result.activated
    assert f"does not beat active v{strong.version}" in result.reason
    strong.refresh_from_db()
    assert strong.is_active


def test_with_too_few_conversions_it_says_not_enough_outcomes_and_keeps_the_rules(settings) -> None:
    settings.LEARNING_MIN_CONVERSIONS = 10_000
    rules = ScoringConfig.objects.get(is_active=True)
    create_leads_with_outcomes(200)
    output = run()
    [config] = learned_versions()
    assert not config.is_active
    assert "not enough outcomes yet" in output
    rules.refresh_from_db()
    assert rules.is_active
    score = score_learned(config, {"Lead Source": "Reference"})
    assert score.enough_outcomes is False


def test_it_refuses_to_train_without_both_kinds_of_outcome() -> None:
    lead = Lead.objects.create(external_id="only-one")
    Feedback.objects.create(lead=lead, outcome=Feedback.Outcome.CLOSED_WON)
    with pytest.raises(CommandError, match="converted and not converted"):
        run()


def test_the_latest_outcome_of_a_lead_is_its_label() -> None:
    lead = Lead.objects.create(external_id="changed-mind")
    Feedback.objects.create(lead=lead, outcome=Feedback.Outcome.NO_RESPONSE)
    Feedback.objects.create(lead=lead, outcome=Feedback.Outcome.BOOKED_DEMO)
    other = Lead.objects.create(external_id="lost-later")
    Feedback.objects.create(lead=other, outcome=Feedback.Outcome.BOOKED_DEMO)
    Feedback.objects.create(lead=other, outcome=Feedback.Outcome.DISQUALIFIED)
    leads, labels = labelled_leads()
    assert dict(zip([item.external_id for item in leads], labels)) == {"changed-mind": 1.0, "lost-later": 0.0}


def test_learned_scores_of_a_stored_version_add_up_and_carry_the_label() -> None:
    create_leads_with_outcomes(600)
    config = train().config
    lead = Lead.objects.create(external_id="new-one", attributes={"Lead Source": "Reference", "Time on site": "1800"})
    score = score_learned(config, lead_features(lead))
    assert score.enough_outcomes
    assert sum(factor["points"] for factor in score.factors) == score.value
    assert score.label == "HOT"
    assert score.factors[0]["factor"] == "Base rate"


def test_the_task_waits_for_enough_new_outcomes_then_retrains(settings) -> None:
    settings.LEARNING_RETRAIN_EVERY = 250
    create_leads_with_outcomes(200)
    assert "skipped" in retrain_scoring.delay().get()
    assert learned_versions() == []
    create_leads_with_outcomes(100, seed=1)
    result = retrain_scoring.delay().get()
    assert result["version"] == learned_versions()[0].version
    # Nothing new since: only the nightly (forced) run trains again.
    assert "skipped" in retrain_scoring.delay().get()
    assert retrain_scoring.delay(force=True).get()["version"] == learned_versions()[-1].version
    assert len(learned_versions()) == 2
