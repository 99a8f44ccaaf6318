"""score_file: a CSV scored as the pipeline would score its rows with the active version; nothing imported."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from leads.models import Lead
from scoring.learning.training import train
from scoring.models import ScoringConfig
from scoring.tests.outcome_data import create_leads_with_outcomes

pytestmark = pytest.mark.django_db
DEMO_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "demo_leads.csv"


@pytest.fixture
def learned_version(db):
    create_leads_with_outcomes(600)
    result = train()
    assert result.activated
    return result.config


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_it_writes_the_input_columns_plus_the_score_columns(tmp_path: Path, learned_version) -> None:
    source = write(tmp_path / "in.csv", "Email;Company;Job Title;Lead Source;Time on site;Notes\n"
                                        "ana@acme.example;Acme;CTO;Reference;1800;Café crème, très bien\n"
                                        "bo@acme.example;Acme;Analyst;Google;20;\n"
                                        ";;;Reference;1900;no address\n", encoding="cp1252")
    leads_before = Lead.objects.count()
    out = StringIO()
    call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"), stdout=out)
    rows = read(tmp_path / "out.csv")
    assert list(rows[0]) == ["Email", "Company", "Job Title", "Lead Source", "Time on site", "Notes",
                             "score_value", "score_label", "probability", "top_factors"]
    assert [row["Email"] for row in rows] == ["ana@acme.example", "bo@acme.example", ""]
    assert rows[0]["Notes"] == "Café crème, très bien"
    hot, cold, unreachable = rows
    assert int(hot["score_value"]) > int(cold["score_value"])
    assert hot["score_label"] == "HOT" and cold["score_label"] == "COLD"
    assert 0 < float(hot["probability"]) < 1
    assert "Lead Source = Reference" in hot["top_factors"]
    # As in the pipeline, a lead without the fields HOT requires (an email, ...) is WARM at most.
    assert int(unreachable["score_value"]) >= learned_version.label_cutoffs()["hot"]
    assert unreachable["score_label"] == "WARM"
    assert Lead.objects.count() == leads_before  # nothing imported
    assert f"Scored 3 rows with v{learned_version.version}'s learned model" in out.getvalue()


def test_with_the_rules_active_each_row_gets_the_score_an_import_would_give_it(
    tmp_path: Path, django_capture_on_commit_callbacks,
) -> None:
    with open(DEMO_FILE, newline="", encoding="utf-8") as handle:
        demo = list(csv.reader(handle))
    source = tmp_path / "in.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(demo[:41])  # the header and 40 leads
    out = StringIO()
    call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"), stdout=out)
    scored = {row["Email"].lower(): row for row in read(tmp_path / "out.csv") if row["Email"]}
    assert "'s rules" in out.getvalue() and all(row["probability"] == "" for row in scored.values())

    with django_capture_on_commit_callbacks(execute=True):  # the pipeline qualifies each lead (tasks inline)
        call_command("import_leads", str(source), stdout=StringIO())
    leads = {lead.email.lower(): lead for lead in Lead.objects.exclude(email="")}
    assert len(leads) >= 30 and set(leads) <= set(scored)
    for email, lead in leads.items():
        row = scored[email]
        assert (int(row["score_value"]), row["score_label"]) == (lead.score_value, lead.score_label), email
    labels = {row["score_label"] for row in scored.values()}
    assert labels == {"HOT", "WARM", "COLD"}


def test_a_learned_version_without_enough_outcomes_scores_by_the_rules_like_the_pipeline(
    tmp_path: Path, settings, learned_version,
) -> None:
    settings.LEARNING_MIN_CONVERSIONS = 100_000
    source = write(tmp_path / "in.csv",
                   "Email,Company,Job Title,Lead Source\nana@acme.example,Acme,CTO,Reference\n")
    out = StringIO()
    call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"), stdout=out)
    [row] = read(tmp_path / "out.csv")
    assert row["probability"] == "" and "C-level title" in row["top_factors"]
    assert f"with v{learned_version.version}'s rules" in out.getvalue()


def test_a_row_intake_would_refuse_is_still_scored(tmp_path: Path, learned_version) -> None:
    source = write(tmp_path / "in.csv", "Email,Lead Source\nnot-an-address,Reference\n")
    call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"), stdout=StringIO())
    [row] = read(tmp_path / "out.csv")
    assert row["Email"] == "not-an-address"
    assert row["score_value"] and row["score_label"] in {"HOT", "WARM", "COLD"}


def test_with_no_active_version_the_built_in_rules_score(tmp_path: Path) -> None:
    ScoringConfig.objects.update(is_active=False)
    source = write(tmp_path / "in.csv", "Email,Job Title\nana@acme.example,VP Sales\n")
    out = StringIO()
    call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"), stdout=out)
    [row] = read(tmp_path / "out.csv")
    assert row["score_value"] and "VP title" in row["top_factors"]
    assert "with the built-in rules" in out.getvalue()


def test_it_refuses_a_file_that_already_has_a_score_column(tmp_path: Path, learned_version) -> None:
    source = write(tmp_path / "in.csv", "Prospect ID,score_value\np1,10\n")
    with pytest.raises(CommandError, match="score_value"):
        call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"))


def test_an_output_path_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "Email\nana@acme.example\n")
    with pytest.raises(CommandError, match="Cannot write .*missing/out.csv: No such file or directory"):
        call_command("score_file", str(source), "--out", str(tmp_path / "missing" / "out.csv"))
