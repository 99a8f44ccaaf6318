"""A score on the lead page says its scale and version; learned factors read as facts; no clamping reasons."""

import pytest

from conftest import LeadFactory
from console.scores import fact
from leads.models import Lead

pytestmark = pytest.mark.django_db


def test_a_learned_score_reads_as_a_chance_with_the_leads_standing(rep_client):
    for value in range(5, 95, 5):  # 18 open leads scored by v4 beside the lead below: none above it
        LeadFactory(score_label=Lead.Label.COLD, score_value=value, score_probability=value / 100, score_version=4)
    lead = LeadFactory(score_label=Lead.Label.HOT, score_value=90, score_probability=0.9, score_version=4,
                       score_factors=[{"factor": "Message asks for a demo = no", "points": -0.4},
                                      {"factor": "Job title = VP of Sales", "points": 0.9}])
    html = rep_client.get(lead.get_absolute_url()).content.decode()
    assert "90 % chance to convert</strong>: top 5 % of open leads" in html
    assert "scored by v4, learned from outcomes" in html
    assert "Not: message asks for a demo" in html and "Job title: VP of Sales" in html
    assert "= no" not in html


def test_a_rules_score_says_points_and_the_clamp_is_a_note_not_a_reason(rep_client):
    lead = LeadFactory(score_label=Lead.Label.COLD, score_value=0, score_version=2, score_factors=[
        {"factor": "Student", "points": -40}, {"factor": "Free mail domain", "points": -5},
        {"factor": "Clamped to 0 (raw total -45)", "points": 45}])
    html = rep_client.get(lead.get_absolute_url()).content.decode()
    assert "0 points of 100" in html and "scored by v2 (rules)" in html
    assert "Clamped" not in html and "+45" not in html
    assert "The factors add up to -45; a score stays between 0 and 100." in html


def test_learned_bin_names_become_statements():
    assert fact("Message asks for a demo = yes") == "Message asks for a demo"
    assert fact("Budget missing") == "Budget not given"
    assert fact("Country = other value & Size = 51-200") == "Country: something else; Size: 51-200"
