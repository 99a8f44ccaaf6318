"""`manage.py import_leads`: output, JSON, exit codes and options, on the fixtures/csv/ corpus."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from leads.models import Feedback, ImportJob, Lead

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "csv"
pytestmark = pytest.mark.usefixtures("import_media", "no_qualification")


def import_leads(*args: str) -> str:
    out = io.StringIO()
    call_command("import_leads", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_accounting_that_adds_up(db):
    output = import_leads(str(CORPUS / "duplicates.csv"))
    assert "rows 5 = created 3 + updated 0 + unchanged 0 + duplicates_in_file 2 + invalid 0" in output
    assert "\r[" not in output  # no progress bar when stdout is not a terminal
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


def test_json_prints_exactly_one_object_with_every_error(db):
    output = import_leads(str(CORPUS / "bad_rows.csv"), "--json")
    result = json.loads(output)
    assert {key: value for key, value in result.items() if key != "errors"} == {
        "rows": 6, "created": 2, "updated": 0, "unchanged": 0, "duplicates_in_file": 0, "invalid": 4}
    assert len(result["errors"]) == 5
    assert result["errors"][0] == {
        "row": 3, "column": "Email", "value": "not-an-email",
        "message": "Email 'not-an-email' is not a valid email address: An email address must have an @-sign."}


def test_invalid_rows_are_listed_with_the_path_of_the_error_csv(db):
    output = import_leads(str(CORPUS / "bad_rows.csv"))
    assert "row 4: Country 'Atlantis' is not a country we recognise" in output
    error_csv = Path(output.split("Invalid rows: ")[1].splitlines()[0])
    assert error_csv.read_text().startswith("row,column,value,message,Email")


def test_a_dry_run_writes_nothing_at_all(db):
    result = json.loads(import_leads(str(CORPUS / "utf8.csv"), "--dry-run", "--json"))
    assert result["created"] == 4
    assert not Lead.objects.exists() and not ImportJob.objects.exists()


def test_reimporting_creates_nothing(db):
    import_leads(str(CORPUS / "utf8.csv"))
    result = json.loads(import_leads(str(CORPUS / "utf8.csv"), "--json"))
    assert (result["created"], result["unchanged"]) == (0, 4) and Lead.objects.count() == 4


@pytest.mark.parametrize("name", ["empty.csv", "image.png", "leads.zip", "no_header.csv", "unusable_header.csv"])
def test_unusable_files_exit_with_code_2_and_one_message(db, name):
    with pytest.raises(CommandError) as caught:
        import_leads(str(CORPUS / name))
    assert caught.value.returncode == 2 and name in str(caught.value)
    assert not ImportJob.objects.exists()


def test_a_missing_file_exits_with_code_2(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist") as caught:
        import_leads(str(tmp_path / "nope.csv"))
    assert caught.value.returncode == 2


def test_map_source_and_on_duplicate_options(db):
    import_leads(str(CORPUS / "unusable_header.csv"), "--map", "colour=company_name", "--map", "visits=ignore",
                 "--source", "event")
    lead = Lead.objects.get(company_name="red")
    assert (lead.source, lead.attributes) == ("event", {"score": "5"})
    with pytest.raises(CommandError, match="names no lead field") as caught:
        import_leads(str(CORPUS / "unusable_header.csv"), "--map", "colour=favourite")
    assert caught.value.returncode == 2


def test_id_and_outcome_columns_for_historic_exports(db):
    args = [str(CORPUS / "historic_prospects.csv"), "--id-column", "Lead Number", "--outcome-column", "Converted",
            "--won-values", "1,yes"]
    import_leads(*args)
    import_leads(*args)
    assert set(Lead.objects.values_list("external_id", flat=True)) == {f"66000{n}" for n in range(1, 6)}
    assert Lead.objects.get(external_id="660001").attributes["Prospect ID"] == "7f3c1a2e-01"
    assert Feedback.objects.count() == 4 and Lead.objects.filter(status=Lead.Status.CLOSED_WON).count() == 2


def test_the_real_command_line_exits_2_for_a_binary_file(db):
    # The exit code as a shell sees it; settings are irrelevant because the file is refused before any query.
    completed = subprocess.run([sys.executable, "manage.py", "import_leads", str(CORPUS / "image.png")],
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and "looks like a PNG image" in completed.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar(db):
    out = Terminal()
    call_command("import_leads", str(CORPUS / "utf8.csv"), stdout=out)
    assert "\r[##############################] 100% 4 rows" in out.getvalue()
