"""The Scoring model page: managers see the active version's figures and activate or roll back versions."""

import math

import pytest
from django.urls import reverse

from leadops.models import Job
from leads.models import Lead
from scoring.learning.training import train
from scoring.models import ScoringConfig
from scoring.tests.outcome_data import create_leads_with_outcomes

pytestmark = pytest.mark.django_db
URL = "/scoring/model/"


@pytest.fixture
def learned(db) -> ScoringConfig:
    create_leads_with_outcomes(400)
    config = train().config
    assert config is not None and config.is_active
    return config


def test_the_url_is_named_scoring_model() -> None:
    assert reverse("scoring:model") == URL


def test_it_shows_the_active_version_metrics_chart_factors_and_history(manager_client, learned) -> None:
    response = manager_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Active: v{learned.version}" in page
    assert "ROC AUC" in page and f"{learned.metrics['auc']:.3f}" in page
    assert "<svg" in page and "<circle" in page  # calibration chart, inline SVG
    assert "Lead Source = Reference" in page  # among the strongest factors
    assert "top 20%" in page  # the documented HOT cut-off rule
    assert "v1" in page  # the seeded rules version stays in the history


def test_factors_read_as_odds_against_an_average_lead(manager_client, learned) -> None:
    strongest = learned.metrics["strongest_factors"][0]
    page = manager_client.get(URL).content.decode()
    assert f"×{math.exp(strongest['log_odds']):.2f}" in page


def test_it_needs_login(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_rep_is_refused(rep_client) -> None:
    assert rep_client.get(URL).status_code == 403
    rules = ScoringConfig.objects.get(version=1)
    assert rep_client.post(reverse("scoring:model_activate", args=[rules.version])).status_code == 403


def test_an_htmx_request_gets_only_the_partial(manager_client, htmx_headers, learned) -> None:
    response = manager_client.get(URL, **htmx_headers)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'id="version-history"' in page


def test_it_says_not_enough_outcomes_yet(manager_client, settings, learned) -> None:
    settings.LEARNING_MIN_CONVERSIONS = 100_000
    assert "Not enough outcomes yet" in manager_client.get(URL).content.decode()


def test_activating_asks_first_saying_how_many_open_leads_will_be_re_scored(manager_client, learned) -> None:
    open_leads = Lead.objects.filter(status__in=Lead.RESCORED_STATUSES).count()
    response = manager_client.post(reverse("scoring:model_activate", args=[1]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{open_leads:,} open lead" in page and "Activate v1 and re-score" in page
    assert ScoringConfig.objects.get(is_active=True).version == learned.version  # nothing changed yet


def test_a_manager_activates_an_earlier_version_and_rolls_back(manager_client, learned) -> None:
    response = manager_client.post(reverse("scoring:model_activate", args=[1]), {"confirmed": "1"})
    assert ScoringConfig.objects.get(is_active=True).version == 1
    job = Job.objects.get(kind=Job.Kind.RESCORE, subject="scoring:v1")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert manager_client.post(reverse("scoring:model_rollback")).status_code == 200  # asks first
    assert ScoringConfig.objects.get(is_active=True).version == 1
    response = manager_client.post(reverse("scoring:model_rollback"), {"confirmed": "1"}, follow=True)
    assert ScoringConfig.objects.get(is_active=True).version == learned.version
    assert f"Rolled back to v{learned.version}" in response.content.decode()


def test_the_re_score_after_activation_counts_every_open_lead_to_its_end(
        manager_client, learned, django_capture_on_commit_callbacks) -> None:
    open_leads = Lead.objects.filter(status__in=Lead.RESCORED_STATUSES).count()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("scoring:model_activate", args=[1]), {"confirmed": "1"})
    response = manager_client.get(reverse("jobs:detail", args=[Job.objects.get(subject="scoring:v1").pk]))
    job = Job.objects.get(kind=Job.Kind.RESCORE, subject="scoring:v1")
    assert (job.status, job.done, job.total) == (Job.Status.DONE, open_leads, open_leads)  # tasks run inline here
    assert f"{open_leads:,} of {open_leads:,} leads" in response.content.decode()


def test_activating_over_htmx_asks_first_then_sends_the_browser_to_the_re_score(manager_client, htmx_headers,
                                                                                  learned) -> None:
    page = manager_client.post(reverse("scoring:model_activate", args=[1]), **htmx_headers).content.decode()
    assert "<html" not in page and "re-score" in page
    response = manager_client.post(reverse("scoring:model_activate", args=[1]), {"confirmed": "1"}, **htmx_headers)
    job = Job.objects.get(kind=Job.Kind.RESCORE, subject="scoring:v1")
    assert response["HX-Redirect"] == reverse("jobs:detail", args=[job.pk])


def test_a_learned_version_that_was_not_activated_can_be_activated_from_the_page(manager_client, learned) -> None:
    candidate = train().config  # the same outcomes: it does not beat the active version
    assert candidate is not None and not candidate.is_active
    page = manager_client.get(URL).content.decode()
    assert f"Latest learned version: v{candidate.version} (not active)" in page
    manager_client.post(reverse("scoring:model_activate", args=[candidate.version]), {"confirmed": "1"})
    candidate.refresh_from_db()
    assert candidate.is_active


def test_train_now_runs_as_a_job_whose_page_says_what_came_of_it(
        manager_client, manager, django_capture_on_commit_callbacks) -> None:
    create_leads_with_outcomes(400)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("scoring:model_train"))
    response = manager_client.get(response["Location"])
    page = response.content.decode()
    learned = ScoringConfig.objects.get(source=ScoringConfig.Source.LEARNED)
    assert learned.created_by == manager and learned.is_active
    job = Job.objects.get(kind=Job.Kind.TRAIN)
    assert job.status == Job.Status.DONE and job.done == job.total > 1
    assert f"Trained v{learned.version} (ROC AUC {learned.metrics['auc']:.3f})" in page
    assert "it now scores leads" in page
    page = manager_client.get(URL).content.decode()
    assert f"Active: v{learned.version}" in page and "Roll back to v1" in page
    rates = page[page.index("Held-out test of this model's labels"):]
    assert rates.index(">HOT<") < rates.index(">WARM<") < rates.index(">COLD<")


def test_train_now_without_outcomes_says_why_and_stores_nothing(
        manager_client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("scoring:model_train"))
    response = manager_client.get(response["Location"])
    assert "Not trained: Training needs converted and not converted leads; there are 0 outcomes" in (
        response.content.decode())
    assert not ScoringConfig.objects.filter(source=ScoringConfig.Source.LEARNED).exists()


def test_a_rep_cannot_train(rep_client) -> None:
    create_leads_with_outcomes(100)
    assert rep_client.post(reverse("scoring:model_train")).status_code == 403
    assert not ScoringConfig.objects.filter(source=ScoringConfig.Source.LEARNED).exists()
