"""The CSV importer on the awkward-file corpus in fixtures/csv/, and the ImportJob it runs under."""

import csv
import gc
import io
import sys
from pathlib import Path

import pytest
from celery.signals import worker_init, worker_process_init
from django.core.management import call_command
from django.db import connection

from conftest import wait_for
from leadops import interpreter
from leadops.celery import tune_interpreter
from leads import postgres
from leads.importing import jobs
from leads.importing.run import ImportOptions, import_file
from leads.importing.sniff import RefusedFile
from leads.intake import Intake
from leads.models import ActivityLog, Company, Feedback, ImportJob, Lead
from leads.tasks import run_import

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "csv"
pytestmark = pytest.mark.usefixtures("import_media", "no_qualification")


def run(name: str, **options) -> dict:
    report = import_file(CORPUS / name, ImportOptions(**options))
    assert report.rows == sum(report.summary()[key] for key in
                              ("created", "updated", "unchanged", "duplicates_in_file", "invalid"))
    return {**report.summary(), "report": report}


def names() -> set[tuple[str, str]]:
    return set(Lead.objects.values_list("first_name", "last_name"))


@pytest.mark.parametrize(("name", "encoding"), [("utf8.csv", "utf-8"), ("utf8_bom.csv", "utf-8-sig"),
                                                ("utf16.csv", "utf-16")])
def test_it_reads_unicode_files_with_and_without_a_bom(db, name, encoding):
    result = run(name)
    assert result["created"] == 4 and result["report"].encoding == encoding
    assert {("José", "García"), ("Zoë", "Müller")} <= names()
    zoe = Lead.objects.get(email="zoe.muller@nordlicht-energie.de")
    assert (zoe.country, zoe.company_size, zoe.budget_amount) == ("DE", "1001-5000", 80_000)


def test_it_reads_a_windows_1252_export_with_german_headers(db):
    result = run("cp1252.csv")
    assert result["created"] == 3 and result["report"].encoding == "cp1252"
    assert {("François", "Lefèvre"), ("Jürgen", "Strauß"), ("Inés", "Núñez")} <= names()
    assert Lead.objects.get(last_name="Strauß").country == "AT"


@pytest.mark.parametrize(("name", "delimiter"), [("semicolon.csv", ";"), ("tab.tsv", "\t"), ("pipe.csv", "|")])
def test_it_sniffs_the_delimiter_and_maps_header_synonyms(db, name, delimiter):
    result = run(name)
    assert result["created"] == 2 and result["report"].delimiter == delimiter
    anna = Lead.objects.get(email="anna.berg@fjord-analytics.no")
    assert (anna.first_name, anna.last_name, anna.company_name, anna.job_title, anna.country) == (
        "Anna", "Berg", "Fjord Analytics", "Head of Growth", "NO")


def test_quoted_newlines_commas_and_quotes_stay_inside_their_cell(db):
    run("quoted_newlines.csv")
    mia = Lead.objects.get(email="mia.chen@lotus-retail.com")
    assert mia.company_name == "Lotus Retail, Inc."
    assert mia.lead_message == 'We run 40 stores.\nNeed:\n- routing\n- "smart" scoring'


def test_unknown_columns_are_kept_as_attributes(db):
    run("synonyms.csv")
    hana = Lead.objects.get()
    assert (hana.first_name, hana.company_name, hana.job_title, hana.phone) == (
        "Hana", "Kumo Systems", "Engineering Manager", "+81 3 1234 5678")
    assert (hana.source, hana.company_size, hana.lead_message) == ("event", "51-200", "Met at SaaStr")
    assert hana.attributes == {"Favourite Colour": "teal"}


def test_duplicates_in_the_file_are_counted_and_a_reimport_creates_nothing(db):
    first = run("duplicates.csv")
    assert (first["rows"], first["created"], first["duplicates_in_file"]) == (5, 3, 2)
    again = run("duplicates.csv")
    assert (again["created"], again["unchanged"], again["duplicates_in_file"]) == (0, 3, 2)
    assert Lead.objects.count() == 3
    assert ActivityLog.objects.filter(type=ActivityLog.Type.INGESTED).count() == 3


def test_duplicates_are_found_across_batches(db, settings):
    settings.IMPORT_BATCH_SIZE = 2
    result = run("duplicates.csv")
    assert (result["created"], result["duplicates_in_file"]) == (3, 2)


def test_invalid_rows_are_reported_with_row_column_value_and_reason(db):
    error_file = io.StringIO()
    report = import_file(CORPUS / "bad_rows.csv", ImportOptions(), error_file=error_file)
    assert (report.rows, report.created, report.invalid) == (6, 2, 4)
    by_row = {(error["row"], error["column"]): error for error in report.errors}
    assert by_row[(3, "Email")]["value"] == "not-an-email"
    assert "not a valid email address" in by_row[(3, "Email")]["message"]
    assert by_row[(4, "Country")]["message"].startswith("Country 'Atlantis' is not a country")
    assert {(5, "Company Size"), (5, "Urgency"), (6, "First Name")} <= by_row.keys()
    lines = list(csv.reader(io.StringIO(error_file.getvalue())))
    assert lines[0][:5] == ["row", "column", "value", "message", "Email"]
    assert lines[1][:3] == ["3", "Email", "not-an-email"] and lines[1][4] == "not-an-email"


@pytest.mark.parametrize(
    ("name", "message"),
    [("empty.csv", "is empty"), ("image.png", "looks like a PNG image"),
     ("leads.zip", "looks like a zip archive or an Excel"), ("no_header.csv", "has no header row"),
     ("unusable_header.csv", "has no usable header")],
)
def test_files_that_are_not_usable_csv_are_refused_with_one_message(db, name, message):
    with pytest.raises(RefusedFile, match=message):
        import_file(CORPUS / name, ImportOptions())
    assert not Lead.objects.exists()


def test_a_header_only_file_imports_nothing_without_complaint(db):
    assert run("header_only.csv")["rows"] == 0


def test_a_map_option_rescues_a_file_with_unusual_headers(db):
    result = run("unusable_header.csv", overrides={"colour": "company_name", "visits": ""})
    assert result["created"] == 2
    lead = Lead.objects.get(company_name="blue")
    assert lead.attributes == {"score": "3"}


def test_a_historic_export_is_keyed_by_its_prospect_id_and_records_outcomes_once(db):
    first = run("historic_prospects.csv", outcome_column="Converted")
    again = run("historic_prospects.csv", outcome_column="Converted")
    assert (first["created"], again["created"], again["unchanged"]) == (5, 0, 5)
    assert Lead.objects.filter(email="", external_id__startswith="7f3c1a2e-").count() == 5
    assert dict(Feedback.objects.values_list("lead__external_id", "outcome")) == {
        "7f3c1a2e-01": "closed_won", "7f3c1a2e-02": "closed_lost", "7f3c1a2e-03": "closed_won",
        "7f3c1a2e-04": "closed_lost"}
    lead = Lead.objects.get(external_id="7f3c1a2e-02")
    assert lead.status == Lead.Status.CLOSED_LOST
    assert lead.attributes["Lead Source"] == "Olark Chat" and lead.source == "other"


def test_won_values_decide_what_counts_as_won(db):
    run("historic_prospects.csv", outcome_column="Converted", won_values=frozenset({"0"}))
    assert Lead.objects.get(external_id="7f3c1a2e-02").status == Lead.Status.CLOSED_WON


def test_fill_and_overwrite_apply_to_leads_already_stored(db):
    run("utf8.csv")
    Lead.objects.filter(email="priya.sharma@brightpath.io").update(job_title="", first_name="P.")
    filled = run("utf8.csv", on_duplicate="fill")
    priya = Lead.objects.get(email="priya.sharma@brightpath.io")
    assert filled["updated"] == 1 and (priya.first_name, priya.job_title) == ("P.", "CTO")
    overwritten = run("utf8.csv", on_duplicate="overwrite")
    assert overwritten["updated"] == 1 and Lead.objects.get(pk=priya.pk).first_name == "Priya"


def _import_a_history() -> None:
    """New leads, filled and overwritten ones, historic outcomes and duplicates: every kind of write."""
    run("utf8.csv")
    Lead.objects.filter(email="priya.sharma@brightpath.io").update(job_title="", first_name="P.")
    run("utf8.csv", on_duplicate="fill")
    run("utf8.csv", on_duplicate="overwrite")
    run("historic_prospects.csv", outcome_column="Converted")
    run("historic_prospects.csv", outcome_column="Converted", won_values=frozenset({"0"}))
    run("duplicates.csv", on_duplicate="fill")


def _stored() -> dict:
    def lead_key(lead_id) -> str:
        lead = Lead.objects.get(pk=lead_id)
        return lead.email or lead.external_id

    return {
        "leads": sorted(Lead.objects.values_list(
            "email", "external_id", "first_name", "last_name", "job_title", "company__domain", "company_size",
            "country", "source", "status", "budget_amount", "attributes")),
        "companies": sorted(Company.objects.values_list("domain", "name")),
        "activities": sorted((lead_key(lead_id), kind, repr(sorted(payload.items())), label)
                             for lead_id, kind, payload, label
                             in ActivityLog.objects.values_list("lead_id", "type", "payload", "actor_label")),
        "feedback": sorted((lead_key(lead_id), outcome) for lead_id, outcome
                           in Feedback.objects.values_list("lead_id", "outcome")),
    }


def test_the_orm_versions_store_exactly_what_the_postgresql_fast_paths_store(db, monkeypatch):
    assert postgres.in_use()
    _import_a_history()
    fast = _stored()
    Lead.objects.all().delete()
    Company.objects.all().delete()

    monkeypatch.setattr(postgres, "in_use", lambda: False)
    _import_a_history()

    assert _stored() == fast
    assert fast["leads"] and fast["companies"] and fast["activities"] and fast["feedback"]


def test_a_dry_run_counts_but_writes_nothing(db):
    result = run("duplicates.csv", dry_run=True)
    assert (result["created"], result["duplicates_in_file"]) == (3, 2)
    assert not Lead.objects.exists() and not ActivityLog.objects.exists()


def test_the_row_limit_is_enforced_before_anything_is_written(db, settings):
    settings.IMPORT_MAX_ROWS = 4
    with pytest.raises(RefusedFile, match="has 6 rows; at most 4"):
        import_file(CORPUS / "bad_rows.csv", ImportOptions())
    assert not Lead.objects.exists()


def test_the_size_limit_is_enforced(db, settings, tmp_path):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    big = tmp_path / "big.csv"
    big.write_text("Email\n" + "".join(f"person{n}@northwind-traders.com\n" for n in range(40_000)))
    with pytest.raises(RefusedFile, match="files up to 1 MB"):
        import_file(big, ImportOptions())


def test_progress_is_reported_batch_by_batch_up_to_the_whole_file(db, settings):
    settings.IMPORT_BATCH_SIZE = 2
    seen: list[tuple[int, int]] = []
    import_file(CORPUS / "duplicates.csv", ImportOptions(), progress=lambda report: seen.append(
        (report.rows, report.bytes_read)))
    assert [rows for rows, _ in seen] == [2, 4, 5]
    assert seen[-1][1] == (CORPUS / "duplicates.csv").stat().st_size


def test_an_import_leaves_the_interpreter_settings_as_it_found_them(db, settings):
    settings.IMPORT_BATCH_SIZE = 2
    before = (gc.get_threshold(), sys.getswitchinterval())
    during: list[tuple] = []
    import_file(CORPUS / "duplicates.csv", ImportOptions(),
                progress=lambda report: during.append((gc.get_threshold(), sys.getswitchinterval())))
    assert during and set(during) == {before}
    assert (gc.get_threshold(), sys.getswitchinterval()) == before


@pytest.fixture
def interpreter_settings_restored():
    before = (gc.get_threshold(), sys.getswitchinterval())
    yield
    gc.set_threshold(*before[0])
    sys.setswitchinterval(before[1])


def test_the_import_command_sets_the_interpreter_up_for_bulk_work(db, interpreter_settings_restored):
    call_command("import_leads", str(CORPUS / "duplicates.csv"), "--json", stdout=io.StringIO())
    assert gc.get_threshold()[0] == interpreter.GARBAGE_COLLECTION_THRESHOLD
    assert sys.getswitchinterval() == pytest.approx(interpreter.SWITCH_INTERVAL_SECONDS)


def test_a_celery_worker_sets_the_interpreter_up_for_bulk_work_when_it_starts(interpreter_settings_restored):
    # Sending the signals here would also run Celery's Django fix-up, which closes the test's connections.
    for signal in (worker_init, worker_process_init):
        assert tune_interpreter in signal._live_receivers(None)
    tune_interpreter()
    assert gc.get_threshold()[0] == interpreter.GARBAGE_COLLECTION_THRESHOLD
    assert sys.getswitchinterval() == pytest.approx(interpreter.SWITCH_INTERVAL_SECONDS)


# --- ImportJob ---------------------------------------------------------------------------------------
def command_job(name: str, **options) -> ImportJob:
    return jobs.create_command_job(CORPUS / name, ImportOptions(**options))


def test_a_job_runs_from_pending_to_done_with_its_accounting_and_error_file(db):
    job = jobs.run_job(command_job("bad_rows.csv").pk)
    assert job.status == ImportJob.Status.DONE and job.summary() == {
        "rows": 6, "created": 2, "updated": 0, "unchanged": 0, "duplicates_in_file": 0, "invalid": 4}
    assert job.progress_percent == 100 and job.started_at and job.finished_at
    assert len(job.errors) == 5 and job.errors[0]["row"] == 3
    with job.error_file.open("r") as error_file:
        assert len(list(csv.reader(error_file))) == 6  # header + one line per error
    activity = ActivityLog.objects.filter(type=ActivityLog.Type.INGESTED).first()
    assert activity.payload["import_job"] == str(job.pk) and activity.actor_label == "import"


def test_a_job_runs_only_once_even_when_its_task_is_delivered_twice(db):
    job = command_job("duplicates.csv")
    run_import.delay(str(job.pk))
    run_import.delay(str(job.pk))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created == 3
    assert Lead.objects.count() == 3


def test_a_refused_file_fails_the_job_with_a_message_for_the_user(db):
    job = jobs.run_job(command_job("image.png").pk)
    assert job.status == ImportJob.Status.FAILED and "looks like a PNG image" in job.message


def test_an_unexpected_error_fails_the_job_and_keeps_what_was_imported(db, settings, monkeypatch):
    settings.IMPORT_BATCH_SIZE = 2
    from leads.intake import Intake

    original = Intake.save
    calls = []

    def fail_on_second_batch(self, batch):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, batch)

    monkeypatch.setattr(Intake, "save", fail_on_second_batch)
    job = command_job("duplicates.csv")
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL_SECONDS", 0)
    job = jobs.run_job(job.pk)
    assert job.status == ImportJob.Status.FAILED and "disk full" in job.message
    assert job.rows == 2 and Lead.objects.count() == 1  # the first batch: Ella, then Ella again


def test_on_postgresql_batches_are_saved_in_a_background_thread_with_the_same_results(transactional_db, settings):
    # Outside a test transaction the importer saves batch N in a thread while it validates batch N+1.
    settings.IMPORT_BATCH_SIZE = 2
    first = run("duplicates.csv")
    again = run("duplicates.csv", on_duplicate="fill")
    assert (first["created"], first["duplicates_in_file"]) == (3, 2)
    assert (again["created"], again["unchanged"], again["duplicates_in_file"]) == (0, 3, 2)
    assert ActivityLog.objects.filter(type=ActivityLog.Type.INGESTED).count() == 3
    assert ActivityLog.objects.get(lead__email="ben.ford@granite-works.com").payload == {"source": "import"}
    # Ella and Ben came in different batches, saved by different threads, and share one company.
    granite = Company.objects.get(domain="granite-works.com")
    assert set(granite.leads.values_list("first_name", flat=True)) == {"Ella", "Ben"}


def test_saving_threads_do_not_keep_their_one_off_statements_for_preparing(transactional_db, settings, monkeypatch):
    # Each batch's statements are one-off texts of ~100 KB; a connection counting repeats for preparing
    # (leadops.db.prepared_cursor turns that on for the pipeline's) would keep 100 of them: +16 MB peak RSS.
    settings.IMPORT_BATCH_SIZE = 2
    thresholds: list[int | None] = []
    save = Intake.save

    def noting_save(intake: Intake, batch):  # type: ignore[no-untyped-def]
        connection.ensure_connection()
        thresholds.append(connection.connection.prepare_threshold)
        return save(intake, batch)

    monkeypatch.setattr(Intake, "save", noting_save)
    assert run("duplicates.csv")["created"] == 3
    assert thresholds == [None, None, None]


def test_stray_nul_characters_deep_in_a_file_are_dropped(db, tmp_path):
    path = tmp_path / "export.csv"
    filler = "".join(f"person{n}@northwind-traders.com,Person {n}\n" for n in range(2_000))  # past the sniffed start
    path.write_text("Email,Name\n" + filler + "nul@northwind-traders.com,Nu\x00ll Byte\n")
    result = import_file(path, ImportOptions())
    assert result.created == 2_001 and Lead.objects.get(email="nul@northwind-traders.com").last_name == "Byte"
    assert Lead.objects.get(email="nul@northwind-traders.com").first_name == "Null"


@pytest.mark.worker
def test_a_real_celery_worker_runs_a_queued_import_job(celery_worker):
    job = command_job("duplicates.csv", qualify=False)
    run_import.delay(str(job.pk))
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_finished, timeout=60)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and (job.created, job.duplicates_in_file) == (3, 2)
    assert Lead.objects.count() == 3


def test_the_field_names_the_export_writes_are_read_back_into_the_same_fields(db, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "email,first_name,last_name,company_name,job_title,budget_range,pain_point,lead_message\n"
        "ada@example.org,Ada,Lovelace,Analytical,CTO,10k-50k,Slow follow-up,We need replies within a day\n",
        encoding="utf-8",
    )
    import_file(path, ImportOptions())
    lead = Lead.objects.get(email="ada@example.org")
    assert lead.lead_message == "We need replies within a day"
    assert (lead.budget_range, lead.pain_point, lead.job_title) == ("10k-50k", "Slow follow-up", "CTO")
    assert lead.attributes == {}
