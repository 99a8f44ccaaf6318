"""Learning from outcomes in real Chromium: a manager trains a version from the page, then rolls back."""

import pytest

from scoring import versions
from scoring.models import ScoringConfig
from scoring.tests.outcome_data import create_leads_with_outcomes
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_trains_from_the_scoring_model_page_and_rolls_back(page, manager, screenshots):
    rules = ScoringConfig.objects.filter(is_active=True).first()
    if rules is None:  # an earlier test flushed the database, and the seeded version with it
        rules = ScoringConfig.objects.create(version=ScoringConfig.next_version(), source=ScoringConfig.Source.RULES)
        versions.activate(rules)
    create_leads_with_outcomes(400)
    log_in(page, manager.username)
    page.goto("/scoring/model/")
    page.click("text=Train now")
    page.wait_for_url("**/jobs/*/")  # the training runs as a job; its page follows it to the end
    page.wait_for_selector("text=it now scores leads")
    learned = ScoringConfig.objects.get(is_active=True)
    assert learned.source == ScoringConfig.Source.LEARNED and learned.created_by == manager
    page.click("#job-progress a:has-text('Scoring model')")
    assert page.inner_text("#active-version").startswith(f"Active: v{learned.version}")
    assert page.locator("#active-version svg circle").count() == 10  # the calibration chart, a point a decile
    screenshot(page, screenshots, "20-scoring-model-trained")

    page.click(f"text=Roll back to v{rules.version}")
    page.wait_for_selector("#confirm-activation")  # asked first, with the number of open leads to re-score
    page.click("#confirm-activation button[type=submit]")
    page.wait_for_selector(f"text=Rolled back to v{rules.version}")
    assert ScoringConfig.objects.get(is_active=True) == rules
    assert "/jobs/" in page.url  # the re-score's page
