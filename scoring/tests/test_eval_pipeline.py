"""manage.py eval_pipeline: per-case results, accuracy, and a failure when a case does not hold."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from conftest import CompanyFactory, LeadFactory
from leads.management.commands.setup_demo import DEMO_FILE
from leads.models import Company, Lead
from outreach.models import Suppression
from scoring.management.commands.eval_pipeline import DEFAULT_PATH
from scoring.models import ScoringConfig

pytestmark = pytest.mark.django_db


def test_the_shipped_cases_cover_the_edge_cases_and_all_pass(capsys):
    cases = json.loads(DEFAULT_PATH.read_text())["cases"]
    assert len(cases) >= 40

    call_command("eval_pipeline")

    output = capsys.readouterr().out
    assert f"{len(cases)}/{len(cases)} cases passed, accuracy 100.0%" in output
    assert output.count("PASS ") == len(cases)
    assert not Lead.objects.exists()


def test_a_case_whose_expectation_does_not_hold_is_reported_and_fails_the_command(tmp_path, capsys):
    cases = {
        "cases": [
            {
                "name": "wrongly expected hot",
                "lead": {"email": "x@mailinator.com", "job_title": "Owner"},
                "expect": {"label": "HOT", "action": "SEND_EMAIL", "needs_approval": False},
            },
            {
                "name": "disposable",
                "lead": {"email": "y@mailinator.com", "job_title": "Owner"},
                "expect": {"label": "COLD", "action": "DISQUALIFY", "needs_approval": True},
            },
        ]
    }
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))

    with pytest.raises(CommandError, match="1 of 2 cases failed"):
        call_command("eval_pipeline", str(path))

    output = capsys.readouterr().out
    assert "FAIL wrongly expected hot: COLD" in output and "label COLD not in HOT" in output
    assert "PASS disposable" in output
    assert "1/2 cases passed, accuracy 50.0%" in output


def test_an_unreadable_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="Cannot read cases from .*missing.json"):
        call_command("eval_pipeline", str(tmp_path / "missing.json"))


def _passes_every_case(capsys, *options: str) -> None:
    cases = json.loads(DEFAULT_PATH.read_text())["cases"]
    call_command("eval_pipeline", *options)
    output = capsys.readouterr().out
    assert output.startswith(f"Evaluating the built-in rules on {len(cases)} cases")
    assert f"{len(cases)}/{len(cases)} cases passed, accuracy 100.0%" in output


def test_every_case_passes_on_the_demo_database_and_the_demo_leads_are_left_as_they_were(capsys):
    call_command("import_leads", str(DEMO_FILE), stdout=io.StringIO())
    demo_companies = set(Company.objects.values_list("domain", flat=True))
    Suppression.objects.create(domain="northwind-logistics.com", reason=Suppression.Reason.MANUAL)
    before = sorted(Lead.objects.values_list("id", "email", "company_id", "status"))

    _passes_every_case(capsys)

    assert sorted(Lead.objects.values_list("id", "email", "company_id", "status")) == before
    assert set(Company.objects.values_list("domain", flat=True)) == demo_companies
    assert Suppression.objects.count() == 1


def test_stored_companies_lend_the_cases_nothing(capsys):
    # Earlier won and lost deals at a case's company would move its score; the case brings its own history.
    for domain in ("northwind-logistics.com", "quarryhill.co", "corbel-systems.com"):
        company = CompanyFactory(domain=domain)
        LeadFactory.create_batch(3, company=company, status=Lead.Status.CLOSED_LOST)
    _passes_every_case(capsys)


@pytest.fixture
def learned_version() -> ScoringConfig:
    """An active version that calls every lead HOT and never disqualifies: the cases must not see it."""
    ScoringConfig.objects.update(is_active=False)
    return ScoringConfig.objects.create(version=ScoringConfig.next_version(), source=ScoringConfig.Source.LEARNED,
                                        is_active=True, thresholds={"hot": 1, "warm": 0, "disqualify": 0})


def test_the_built_in_rules_are_evaluated_whatever_version_is_active(capsys, learned_version):
    _passes_every_case(capsys)
    assert ScoringConfig.objects.get(is_active=True) == learned_version


def test_a_version_asked_for_is_the_one_evaluated(capsys, learned_version):
    with pytest.raises(CommandError, match="cases failed"):
        call_command("eval_pipeline", "--scoring-version", str(learned_version.version))
    output = capsys.readouterr().out
    assert output.startswith(f"Evaluating {learned_version} on ")
    assert "FAIL " in output and "HOT" in output
    assert ScoringConfig.objects.get(is_active=True) == learned_version


def test_an_unknown_version_is_refused_naming_the_versions_there_are(learned_version):
    versions = f"the versions are: .*{learned_version.version}"
    with pytest.raises(CommandError, match=f"There is no scoring version 99; {versions}"):
        call_command("eval_pipeline", "--scoring-version", "99")
