"""score_file: a CSV scored with the active learned version, nothing imported."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from leads.models import Lead
from scoring.learning.training import train
from scoring.tests.outcome_data import create_leads_with_outcomes

pytestmark = pytest.mark.django_db


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
    source = write(tmp_path / "in.csv", "Prospect ID;Lead Source;Time on site;Notes\n"
                                        "p1;Reference;1800;Ça va\np2;Google;20;\n", encoding="cp1252")
    leads_before = Lead.objects.count()
    out = StringIO()
    call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"), stdout=out)
    rows = read(tmp_path / "out.csv")
    assert list(rows[0]) == ["Prospect ID", "Lead Source", "Time on site", "Notes",
                             "score_value", "score_label", "probability", "top_factors"]
    assert [row["Prospect ID"] for row in rows] == ["p1", "p2"]
    assert rows[0]["Notes"] == "Ça va"
    hot, cold = rows
    assert int(hot["score_value"]) > int(cold["score_value"])
    assert hot["score_label"] == "HOT" and cold["score_label"] == "COLD"
    assert 0 < float(hot["probability"]) < 1
    assert "Lead Source = Reference" in hot["top_factors"]
    assert Lead.objects.count() == leads_before  # nothing imported
    assert f"Scored 2 rows with v{learned_version.version}" in out.getvalue()


def test_a_row_intake_would_refuse_is_still_scored(tmp_path: Path, learned_version) -> None:
    source = write(tmp_path / "in.csv", "Email,Lead Source\nnot-an-address,Reference\n")
    call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"), stdout=StringIO())
    [row] = read(tmp_path / "out.csv")
    assert row["Email"] == "not-an-address"
    assert row["score_value"] and row["score_label"] in {"HOT", "WARM", "COLD"}


def test_it_refuses_when_no_learned_version_is_active(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", "Prospect ID,Lead Source\np1,Google\n")
    with pytest.raises(CommandError, match="train_scoring"):
        call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"))
    assert not (tmp_path / "out.csv").exists()


def test_it_refuses_a_file_that_already_has_a_score_column(tmp_path: Path, learned_version) -> None:
    source = write(tmp_path / "in.csv", "Prospect ID,score_value\np1,10\n")
    with pytest.raises(CommandError, match="score_value"):
        call_command("score_file", str(source), "--out", str(tmp_path / "out.csv"))
