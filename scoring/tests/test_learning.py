"""The learner itself: features, fit, shrinkage, calibration, explanations (no database)."""

import numpy as np
import pytest

from leads.models import Lead
from scoring.learning.evaluation import evaluate_and_fit, roc_auc
from scoring.learning.explain import BASE_RATE_FACTOR, explain
from scoring.learning.features import attribute_features, clean_value, is_missing, lead_features
from scoring.learning.model import AdditiveModel, fit_model
from scoring.tests.outcome_data import synthetic


def features_of(rows: list[dict]) -> list[dict]:
    return [attribute_features(row) for row in rows]


@pytest.mark.parametrize("placeholder", ["Select", "N/A", "", "-", "nan", "NULL", " select "])
def test_it_treats_form_placeholders_as_missing(placeholder: str) -> None:
    assert is_missing(placeholder)
    assert attribute_features({"Specialization": placeholder}) == {"Specialization": None}


def test_it_reads_numbers_and_keeps_categories_as_text() -> None:
    assert clean_value("1,250") == 1250.0
    assert clean_value(" Google ") == "Google"


def test_it_leaves_out_post_contact_and_configured_leaky_columns() -> None:
    features = attribute_features(
        {"Lead Status": "Won", "Last Activity": "Email Opened", "Replies": "3", "Tags": "Closed by Horizzon",
         "Lead Source": "Google", "Email": "a@b.com"},
        leaky_columns=["Tags"],
    )
    assert features == {"Lead Source": "Google"}


def test_it_turns_a_date_column_into_month_and_date() -> None:
    features = attribute_features({"first_contact_date": "2018-02-01"})
    assert features == {"first_contact_date month": "Feb", "first_contact_date (date)": 736726.0}


def test_a_category_seen_three_times_gets_its_own_factor() -> None:
    rows, labels = synthetic(2000)
    rows = [{**row, "Landing page": "rare-page" if index < 3 else f"page-{index % 4}"}
            for index, row in enumerate(rows)]
    model = fit_model(features_of(rows), labels)
    landing_page = next(feature for feature in model.features if feature.name == "Landing page")
    assert "rare-page" in landing_page.levels


def test_it_drops_a_column_unique_per_lead() -> None:
    rows, labels = synthetic(300)
    rows = [{**row, "Prospect ID": f"id-{index}"} for index, row in enumerate(rows)]
    model = fit_model(features_of(rows), labels)
    names = {feature.name for feature in model.features}
    assert "Prospect ID" not in names
    assert "Lead Source" in names


def test_it_drops_a_lead_number_column_even_when_some_rows_repeat() -> None:
    rows, labels = synthetic(1000)
    # Serial numbers in arrival order, 5 % of rows exported twice; a converting lead gets a higher number,
    # so a learner that kept the column would find "signal" in it.
    order = np.argsort(labels, kind="stable")
    numbers = np.empty(len(rows))
    numbers[order] = 579_533 + np.arange(len(rows)) * 7
    numbers[:50] = numbers[50:100]
    rows = [{**row, "Lead Number": str(int(number))} for row, number in zip(rows, numbers)]
    names = {feature.name for feature in fit_model(features_of(rows), labels).features}
    assert "Lead Number" not in names and "Lead Source" in names


def test_it_keeps_whole_number_amounts_that_are_mostly_different() -> None:
    rows, labels = synthetic(1000)
    amounts = np.random.default_rng(3).integers(1_000, 50_000_000, len(rows))
    amounts[:50] = amounts[50:100]
    rows = [{**row, "Annual revenue": str(int(amount))} for row, amount in zip(rows, amounts)]
    assert "Annual revenue" in {feature.name for feature in fit_model(features_of(rows), labels).features}


def test_it_finds_the_known_signal_in_held_out_leads() -> None:
    rows, labels = synthetic(2000, seed=1)
    evaluation = evaluate_and_fit(features_of(rows), labels)
    assert evaluation.metrics["auc"] > 0.72
    rates = evaluation.metrics["label_rates"]
    assert rates["HOT"]["rate"] > 2 * rates["COLD"]["rate"]
    reference = next(feature for feature in evaluation.model.features if feature.name == "Lead Source")
    weights = dict(zip(reference.levels, reference.weights))
    assert weights["Reference"] > weights["Google"] + 1.0


def test_it_learns_nothing_from_data_without_signal() -> None:
    rows, labels = synthetic(2000, seed=2, signal=False)
    evaluation = evaluate_and_fit(features_of(rows), labels)
    metrics = evaluation.metrics
    assert metrics["auc"] < 0.56
    assert metrics["brier"] <= metrics["base_rate_brier"] + 0.005
    # Shrunk to the base rate: every lead's probability stays within a few points of it.
    probabilities = evaluation.model.probabilities(features_of(rows))
    assert np.abs(probabilities - labels.mean()).max() < 0.08


def test_it_shrinks_toward_the_base_rate_with_few_outcomes() -> None:
    few_rows, few_labels = synthetic(30, seed=3)
    many_rows, many_labels = synthetic(3000, seed=3)

    def spread(rows: list[dict], labels: np.ndarray) -> float:
        feature = next(item for item in fit_model(features_of(rows), labels).features if item.name == "Lead Source")
        return max(feature.weights) - min(feature.weights)

    assert spread(few_rows, few_labels) < 0.5 * spread(many_rows, many_labels)


def test_it_shrinks_toward_the_rule_weights_when_outcomes_are_few() -> None:
    rows = [{"Seniority": "vp" if index % 2 else "individual"} for index in range(20)]
    labels = np.array([index % 3 == 0 for index in range(20)], dtype=float)  # no real seniority effect
    model = fit_model(rows, labels, rule_weights={"seniority.vp": 50, "seniority.individual": -25})
    seniority = model.features[0]
    weights = dict(zip(seniority.levels, seniority.weights))
    assert weights["vp"] > weights["individual"] + 1.0


def test_seniority_and_function_read_as_words_and_still_meet_the_rule_priors() -> None:
    lead = Lead(email="ana@acme-robotics.com", job_title="Chief Revenue Officer", company_name="Acme Robotics")
    features = lead_features(lead)
    assert (features["Seniority"], features["Function"]) == ("C-level", "Sales")
    rows = [{"Seniority": "C-level" if index % 2 else "Individual"} for index in range(20)]
    labels = np.array([index % 3 == 0 for index in range(20)], dtype=float)
    model = fit_model(rows, labels, rule_weights={"seniority.c_level": 50, "seniority.individual": -25})
    weights = dict(zip(model.features[0].levels, model.features[0].weights))
    assert weights["C-level"] > weights["Individual"] + 1.0
    assert model.features[0].bin_of("c_level") == model.features[0].bin_of("C-level")  # older versions' levels


def test_factor_points_add_up_to_the_score_with_a_base_rate_factor() -> None:
    rows, labels = synthetic(1500, seed=4)
    evaluation = evaluate_and_fit(features_of(rows), labels)
    for row in features_of(rows[:200]):
        value, probability, factors = explain(evaluation.model, row)
        assert factors[0]["factor"] == BASE_RATE_FACTOR
        assert sum(factor["points"] for factor in factors) == value
        assert value == round(100 * probability)
        assert 0 <= value <= 100


def test_factors_name_the_feature_and_its_value() -> None:
    rows, labels = synthetic(1500, seed=5)
    model = evaluate_and_fit(features_of(rows), labels).model
    _, _, factors = explain(model, attribute_features({"Lead Source": "Reference", "Time on site": "1500"}))
    names = [factor["factor"] for factor in factors]
    assert "Lead Source = Reference" in names
    reference = next(factor for factor in factors if factor["factor"] == "Lead Source = Reference")
    assert reference["points"] > 5


def test_probabilities_are_calibrated_on_held_out_leads() -> None:
    rows, labels = synthetic(4000, seed=6)
    evaluation = evaluate_and_fit(features_of(rows), labels)
    for decile in evaluation.metrics["calibration"]:
        assert abs(decile["predicted"] - decile["observed"]) < 0.1


def test_a_stored_model_scores_exactly_like_the_fitted_one() -> None:
    rows, labels = synthetic(800, seed=7)
    model = evaluate_and_fit(features_of(rows), labels).model
    restored = AdditiveModel.from_json(model.as_json())
    original = model.probabilities(features_of(rows[:50]))
    assert np.allclose(restored.probabilities(features_of(rows[:50])), original, atol=1e-5)


def test_hot_is_the_top_fifth_at_a_low_base_rate() -> None:
    random = np.random.default_rng(8)
    rows = [{"Signal": str(int(value))} for value in random.integers(0, 5, 3000)]
    labels = np.array([random.random() < (0.01 + 0.02 * int(row["Signal"])) for row in rows], dtype=float)
    evaluation = evaluate_and_fit(rows, labels)
    hot = evaluation.metrics["label_rates"]["HOT"]
    assert 0.1 <= hot["count"] / len(rows) <= 0.45
    assert hot["lift"] > 1.5


def test_roc_auc_counts_ties_as_half() -> None:
    assert roc_auc([0, 1, 0, 1], [0.1, 0.9, 0.5, 0.5]) == pytest.approx(0.875)
