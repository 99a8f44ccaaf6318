"""A manager's report in real Chromium: its chart is drawn, and the period picker redraws it for the new period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import LeadFactory
from leads.models import Lead
from tests.e2e.browsing import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_period_picker_redraws_the_funnel_chart_for_the_chosen_period(page, manager, screenshots):
    LeadFactory(source=Lead.Source.REFERRAL)
    for _ in range(2):
        LeadFactory(source=Lead.Source.EVENT, created_at=timezone.now() - timedelta(days=20))
    log_in(page, manager.username)
    page.goto("/reports/funnel/")
    chart = page.locator("figure.chart", has_text="Funnel of the leads that arrived")
    assert chart.locator("svg rect.bar").count() == 5
    assert "Arrived: 3" in chart.locator("svg").inner_html()
    assert "Last 30 days: figures as of" in page.inner_text(".report-as-of")
    screenshot(page, screenshots, "report-funnel-30d")

    page.select_option("#period", "7d")
    page.wait_for_selector(".report-as-of >> text=Last 7 days")
    assert "Arrived: 1" in page.locator("figure.chart", has_text="Funnel of the leads").locator("svg").inner_html()
    assert "period=7d" in page.url
    screenshot(page, screenshots, "report-funnel-7d")
