"""manage.py eval_pipeline: per-case results, accuracy, and a failure when a case does not hold."""

import json

import pytest
from django.core.management import CommandError, call_command

from leads.models import Lead
from scoring.management.commands.eval_pipeline import DEFAULT_PATH

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
