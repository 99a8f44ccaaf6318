"""The intake rules every door shares: normalisation, validation, dedupe, companies, timeline, qualification."""

from uuid import UUID

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.intake import Intake, IntakeError, LeadInput, Outcome, ingest, parse_lead
from leads.lead_input import budget_amount, size_band, split_full_name
from leads.models import ActivityLog, Company, Feedback, Lead


# --- normalisation --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "band"),
    [("8", "1-10"), ("250", "201-500"), ("200-500", "201-500"), ("1,000", "501-1000"), ("1000+", "1001-5000"),
     ("12000", "5001+"), ("51-200", "51-200"), ("300 employees", "201-500")],
)
def test_it_reads_company_size_bands_from_counts_and_ranges(given, band):
    assert size_band(given) == band


@pytest.mark.parametrize(
    ("given", "amount"),
    [("$50k", 50_000), ("50-100k", 100_000), ("tbd", None), ("€20,000", 20_000), ("1.5M USD", 1_500_000),
     ("unknown", None)],
)
def test_it_reads_the_top_of_a_budget_and_keeps_unreadable_ones_as_none(given, amount):
    assert budget_amount(given) == amount


@pytest.mark.parametrize(("given", "code"), [("Germany", "DE"), ("DE", "DE"), ("Deutschland", "DE"),
                                              ("USA", "US"), ("united kingdom", "GB"), ("n/a", "")])
def test_it_normalises_countries_to_iso_codes(given, code):
    assert LeadInput(company_name="Acme", country=given).country == code


def test_it_trims_lowercases_and_splits_what_people_type():
    lead = LeadInput.model_validate(
        {"email": "  Ada.Lovelace@Analytical-Engines.com ", "full_name": " Ada  Lovelace ", "urgency": "ASAP",
         "source": "Trade Show"}
    )
    assert (lead.email, lead.first_name, lead.last_name) == ("ada.lovelace@analytical-engines.com", "Ada", "Lovelace")
    assert (lead.urgency, lead.source) == ("high", "event")
    assert split_full_name("Lovelace, Ada") == ("Ada", "Lovelace")


def test_an_unknown_channel_becomes_other_rather_than_an_error():
    assert LeadInput(email="a@acme.com", source="Olark Chat").source == "other"


def test_reserved_test_domains_are_accepted_without_crashing():
    assert LeadInput(email="QA@Example.TEST").email == "qa@example.test"


def test_errors_name_the_field_and_the_value():
    with pytest.raises(IntakeError) as caught:
        parse_lead({"email": "not-an-address", "country": "Atlantis", "first_name": "x" * 101})
    errors = {error.field: error for error in caught.value.errors}
    assert errors["email"].value == "not-an-address"
    assert errors["country"].value == "Atlantis" and "country" in errors["country"].message
    assert errors["first_name"].message == "is longer than 100 characters"


def test_a_lead_needs_something_to_know_it_by():
    with pytest.raises(IntakeError, match="at least an email, an id, a name or a company"):
        parse_lead({"phone": "+49 30 1234"})


def test_unknown_form_keys_are_kept_as_attributes():
    lead = LeadInput.from_mapping({"email": "a@acme.com", "utm_campaign": "spring"})
    assert lead.attributes == {"utm_campaign": "spring"}


# --- ingest: one lead ----------------------------------------------------------------------------------
def test_ingest_creates_a_lead_with_a_company_and_an_ingested_activity(db, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest({"email": "Jo@Acme-Robotics.com", "first_name": "Jo", "company_name": "Acme Robotics"},
                        source=Lead.Source.WEB_FORM)
    assert result.created and result.changed_fields == []
    assert result.lead.company.domain == "acme-robotics.com" and result.lead.company.name == "Acme Robotics"
    assert list(result.lead.activities.values_list("type", flat=True)) == [ActivityLog.Type.INGESTED]
    assert [str(UUID(str(lead_id))) for lead_id in queued] == [str(result.lead.id)]


def test_free_mail_leads_get_no_company_but_their_website_counts(db, queued):
    assert ingest({"email": "jo@gmail.com", "first_name": "Jo"}, source="web_form").lead.company is None
    lead = ingest({"email": "max@gmail.com", "website": "https://www.max-tools.de/"}, source="web_form").lead
    assert lead.company.domain == "max-tools.de"


def test_the_same_email_in_another_case_updates_the_existing_lead(db, queued, django_capture_on_commit_callbacks):
    first = ingest({"email": "sam@northwind.com", "first_name": "Sam"}, source="web_form").lead
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = ingest({"email": "SAM@Northwind.com", "job_title": "CTO", "first_name": "Samuel"}, source="api")
    assert not again.created and again.lead.id == first.id
    assert again.changed_fields == ["job_title"]  # fill: the stored first name stays
    assert (again.lead.first_name, again.lead.job_title, again.lead.source) == ("Sam", "CTO", "web_form")
    update = again.lead.activities.get(type=ActivityLog.Type.UPDATED)
    assert update.payload["changes"] == {"job_title": ["", "CTO"]}
    assert queued == [first.id] and Lead.objects.count() == 1  # an existing lead's id, as stored


def test_overwrite_replaces_values_but_never_blanks_them(db, queued):
    ingest({"email": "kim@contoso.com", "first_name": "Kim", "job_title": "Analyst"}, source="web_form")
    result = ingest({"email": "kim@contoso.com", "first_name": "Kimberly", "job_title": ""}, source="web_form",
                    on_duplicate="overwrite")
    assert (result.lead.first_name, result.lead.job_title) == ("Kimberly", "Analyst")
    assert result.lead.activities.get(type="UPDATED").payload["changes"] == {"first_name": ["Kim", "Kimberly"]}


def test_skip_leaves_an_existing_lead_alone(db, queued):
    ingest({"email": "lee@fabrikam.com"}, source="web_form")
    result = ingest({"email": "lee@fabrikam.com", "job_title": "CEO"}, source="web_form", on_duplicate="skip")
    assert not result.created and result.changed_fields == [] and result.lead.job_title == ""


def test_sending_the_same_lead_again_logs_nothing_and_queues_nothing(db, queued, django_capture_on_commit_callbacks):
    data = {"email": "pat@initech.com", "first_name": "Pat", "country": "US"}
    ingest(data, source="web_form")
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(data, source="web_form")
    assert result.changed_fields == [] and queued == []
    assert ActivityLog.objects.filter(lead=result.lead).count() == 1


def test_an_invalid_lead_raises_with_field_errors_and_writes_nothing(db, queued):
    with pytest.raises(IntakeError) as caught:
        ingest({"email": "bad@", "first_name": "Bad"}, source="web_form")
    assert caught.value.errors[0].field == "email"
    assert not Lead.objects.exists()


def test_a_user_is_recorded_as_the_actor(db, queued, rep):
    lead = ingest({"email": "ana@globex.com"}, source="web_form", actor=rep).lead
    activity = lead.activities.get()
    assert activity.actor == rep and activity.actor_name == rep.username


# --- Intake: batches ----------------------------------------------------------------------------------
def test_a_batch_counts_duplicates_within_it_and_across_batches(db, queued):
    intake = Intake(source="import", actor_label="import")
    first = intake.process([{"email": "a@acme.com"}, {"email": "A@ACME.com"}, {"email": "b@acme.com"}])
    second = intake.process([{"email": "b@acme.com", "job_title": "CFO"}, {"email": "c@acme.com"}])
    assert [row.outcome for row in first] == [Outcome.CREATED, Outcome.DUPLICATE, Outcome.CREATED]
    assert [row.outcome for row in second] == [Outcome.DUPLICATE, Outcome.CREATED]
    assert Lead.objects.count() == 3 and Company.objects.get().domain == "acme.com"


def test_leads_without_email_are_deduped_by_their_external_id(db, queued):
    Intake(source="import").process([{"external_id": "P-1", "country": "India"}])
    again = Intake(source="import").process([{"external_id": "P-1", "industry": "Education"}])
    assert again[0].outcome == Outcome.UPDATED and again[0].changed_fields == ["industry"]
    assert Lead.objects.get().external_id == "P-1"


def test_leads_without_email_or_id_are_deduped_by_name_and_company(db, queued):
    row = {"first_name": "Rosa", "last_name": "Parks", "company_name": "Montgomery Fair"}
    Intake(source="import").process([row])
    again = Intake(source="import").process([{**row, "first_name": "ROSA"}])
    assert again[0].outcome == Outcome.UNCHANGED and Lead.objects.count() == 1


def test_a_dry_run_reports_without_writing(db, queued):
    ingest({"email": "old@acme.com"}, source="web_form")
    results = Intake(source="import", dry_run=True).process(
        [{"email": "old@acme.com", "job_title": "COO"}, {"email": "new@acme.com"}, {"email": "x"}]
    )
    assert [row.outcome for row in results] == [Outcome.UPDATED, Outcome.CREATED, Outcome.INVALID]
    assert Lead.objects.count() == 1 and Lead.objects.get().job_title == ""


def test_historic_outcomes_become_feedback_once(db, queued):
    rows = [{"external_id": "P-7", "outcome": "closed_won"}, {"external_id": "P-8", "outcome": "closed_lost"}]
    Intake(source="import").process(rows)
    Intake(source="import").process(rows)
    assert Feedback.objects.count() == 2
    assert dict(Lead.objects.values_list("external_id", "status")) == {"P-7": "CLOSED_WON", "P-8": "CLOSED_LOST"}
    assert ActivityLog.objects.filter(type=ActivityLog.Type.FEEDBACK).count() == 2


def test_qualification_can_be_switched_off(db, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Intake(source="import", qualify=False).process([{"email": "q@acme.com"}])
    assert queued == [] and Lead.objects.count() == 1


def test_new_lead_ids_are_time_ordered_uuids(db, queued):
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        first = ingest({"email": "first@acme.com"}, source="web_form").lead
    with time_machine.travel("2026-03-02 10:00:01+00:00", tick=False):
        second = ingest({"email": "second@acme.com"}, source="web_form").lead
    assert first.id.version == 7 and str(first.id) < str(second.id)


def test_a_batch_finds_stored_leads_through_the_unique_indexes_and_leaves_the_planner_settings_alone(db, queued):
    ingest({"email": "stored@acme.com", "external_id": "P-1"}, source="web_form")
    with CaptureQueriesContext(connection) as queries:
        results = Intake(source="import").process([{"email": "STORED@acme.com"}, {"external_id": "P-1"},
                                                   *({"email": f"new{number}@acme.com"} for number in range(50))])
    assert [result.outcome for result in results[:2]] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    statements = [query["sql"] for query in queries]
    lookups = [sql for sql in statements if "= ANY(" in sql and "leads_lead" in sql]
    assert len(lookups) == 2
    first = statements.index(lookups[0])
    assert statements[first - 1:first + 3] == ["SET LOCAL enable_seqscan TO off", *lookups,
                                               "SET LOCAL enable_seqscan TO DEFAULT"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone() == ("on",)  # only the lookups run without sequential scans
        cursor.execute("SET LOCAL enable_seqscan TO off")
        for sql, index in zip(lookups, ["lead_email_ci_unique", "lead_external_id_unique"]):
            cursor.execute(f"EXPLAIN {sql}")
            assert index in " ".join(line for (line,) in cursor.fetchall())


@pytest.mark.parametrize("address", ["a@b", "ada@acme", "ada@localhost", "ada@acme.local", "ada@mail.acme.invalid",
                                     "ada@acme.onion", "ada@1.2.3.4", "ada@acme.9", "ada@test"])
def test_an_address_must_have_a_real_host_name_with_a_dot_after_the_at(address):
    with pytest.raises(IntakeError) as caught:
        parse_lead({"email": address, "first_name": "Ada"})
    [error] = caught.value.errors
    assert (error.field, error.value) == ("email", address)
    assert error.sentence().startswith(f"'{address}' is not a valid email address")


def test_a_stored_lead_is_held_to_the_same_address_rules(db):
    with pytest.raises(ValidationError, match="'a@b' is not a valid email address"):
        Lead(email="a@b", first_name="Ada").full_clean()
    lead = Lead(email=" Ada@Acme.COM ", first_name="Ada")
    lead.full_clean()
    assert lead.email == "ada@acme.com"


def test_a_website_whose_host_name_is_longer_than_a_host_name_can_be_is_refused():
    with pytest.raises(IntakeError, match="website: is not a website address"):
        parse_lead({"website": "https://" + "a" * 250 + ".com/about", "first_name": "Ada"})
    assert parse_lead({"website": "https://" + "a" * 245 + ".com/about", "first_name": "Ada"}).website


@pytest.mark.parametrize("on_duplicate", ["fill", "overwrite"])
def test_a_row_whose_email_and_id_belong_to_two_stored_leads_is_refused_and_changes_neither(db, queued, on_duplicate):
    ingest({"email": "ada@acme.com", "first_name": "Ada"}, source="import")
    ingest({"email": "bo@acme.com", "external_id": "crm-2", "first_name": "Bo"}, source="import")
    [result] = Intake(source="import", on_duplicate=on_duplicate).process(
        [{"email": "ada@acme.com", "external_id": "crm-2", "first_name": "Adele"}])
    assert result.outcome == Outcome.INVALID
    assert [error.sentence() for error in result.errors] == [
        "'crm-2' is the id of another lead than the one with this email"]
    assert set(Lead.objects.values_list("email", "external_id", "first_name")) == {
        ("ada@acme.com", "", "Ada"), ("bo@acme.com", "crm-2", "Bo")}
