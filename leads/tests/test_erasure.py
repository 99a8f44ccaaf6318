"""leads.erasure: a person's personal data erased everywhere, their history kept without it; retention."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import LeadFactory
from leads import erasure, intake, rep_tasks
from leads.models import ActivityLog, Company, Feedback, ImportJob, Lead, Task
from leads.outcomes import record_outcome
from leads.tasks import erase_stale_leads
from outreach.models import EmailDraft, Enrollment, Suppression
from outreach.suppression import address_hash, is_suppressed, suppression_for
from scoring.models import Trace
from scoring.pipeline import runner

pytestmark = pytest.mark.django_db

PERSON = {
    "first_name": "Dana", "last_name": "Reyes", "email": "dana.reyes@northwind-logistics.com",
    "company_name": "Northwind Logistics", "job_title": "VP of Sales", "industry": "Logistics",
    "company_size": Lead.SizeBand.MID, "country": "US", "urgency": "high", "budget_range": "$20k-$30k",
    "pain_point": "Inbound leads wait days for a first reply", "phone": "+1 415 555 0199",
    "lead_message": "We need pricing and a demo this quarter. Call me on my mobile.",
}
# Anything that would tell who the person was, as it may appear anywhere (any case).
TRACES_OF_THE_PERSON = ("dana", "reyes", "northwind", "555 0199", "555-0199", "pricing and a demo",
                        "inbound leads wait", "vp of sales", "crm-7781")


@pytest.fixture
def person(rep, import_media) -> Lead:
    """A lead with a history in every app: qualified, edited, noted, emailed, an outcome, an admin edit, an import."""
    result = intake.ingest({**PERSON, "external_id": "CRM-7781", "attributes": {"utm_campaign": "dana-spring"}},
                           source="web_form", actor=rep, qualify=False)
    lead = result.lead
    runner.qualify([lead.pk])
    lead.refresh_from_db()
    intake.edit(lead, {**{name: getattr(lead, name) for name in Lead.EDITABLE_FIELDS}, "phone": "+1 415 555-0199"},
                actor=rep)
    ActivityLog.record(lead, ActivityLog.Type.NOTE, actor=rep, payload={"text": "Dana prefers calls after 4pm"})
    EmailDraft.objects.create(lead=lead, variant=EmailDraft.Variant.FOLLOW_UP_1, state=EmailDraft.State.SENT,
                              subject="Northwind and lead routing", body="Hi Dana, ...", to_email=lead.email,
                              message_id="<abc@leadops>", sent_at=timezone.now())
    record_outcome(lead, Feedback.Outcome.NO_RESPONSE, "Dana Reyes did not pick up on +1 415 555 0199", rep)
    LogEntry.objects.create(user=rep, content_type=ContentType.objects.get_for_model(Lead), object_id=str(lead.pk),
                            object_repr=str(lead), action_flag=CHANGE, change_message="Changed job title.")
    job = ImportJob.objects.create(original_name="event.csv", status=ImportJob.Status.DONE, created_by=rep,
                                   errors=[{"row": 2, "column": "email", "value": "dana.reyes@northwind-logistics.com",
                                            "message": "duplicate"},
                                           {"row": 3, "column": "country", "value": "Atlantis", "message": "unknown"}])
    job.error_file.save("event-errors.csv", ContentFile(
        "row,column,value,message,email,first_name\r\n"
        "2,email,dana.reyes@northwind-logistics.com,duplicate,DANA.REYES@northwind-logistics.com,Dana\r\n"
        "3,country,Atlantis,unknown,lee@globex.io,Lee\r\n"
    ), save=True)
    job.file.save("event.csv", ContentFile(
        "email,first_name\r\nlee@globex.io,Lee\r\nDana.Reyes@Northwind-Logistics.com,Dana\r\n"))
    rep_tasks.create_task(lead, kind=Task.Kind.CALL, title=f"Call {lead.first_name} {lead.last_name}",
                          notes="Asked for a call about the VP of Sales role")
    lead.refresh_from_db()
    return lead


def _everything_kept_about(lead: Lead) -> str:
    """Every row and file the apps keep that could be about this lead, as one lower-case text."""
    rows = [
        *Lead.objects.filter(pk=lead.pk), *ActivityLog.objects.filter(lead=lead), *EmailDraft.objects.filter(lead=lead),
        *Trace.objects.filter(lead=lead), *Feedback.objects.filter(lead=lead), *Enrollment.objects.filter(lead=lead),
        *Suppression.objects.all(), *Company.objects.all(),
        *Task.objects.filter(lead=lead), *ImportJob.objects.all(), *LogEntry.objects.all(),
    ]
    files = [job.error_file.read().decode() for job in ImportJob.objects.exclude(error_file="")]
    files += [job.file.read().decode() for job in ImportJob.objects.exclude(file="")]
    return (serializers.serialize("json", rows) + "".join(files)).lower()


def test_the_fixture_really_spreads_the_person_over_every_app(person):
    kept = _everything_kept_about(person)
    assert all(trace in kept for trace in TRACES_OF_THE_PERSON)
    assert Trace.objects.filter(lead=person).exists() and EmailDraft.objects.filter(lead=person).count() >= 2


def test_erasing_a_person_leaves_no_personal_data_anywhere(person, manager):
    erasure.erase(person, actor=manager)

    kept = _everything_kept_about(person)
    assert [trace for trace in TRACES_OF_THE_PERSON if trace in kept] == []


def test_the_timeline_keeps_every_entry_and_says_who_erased_and_when(person, manager):
    before = list(ActivityLog.objects.filter(lead=person).order_by("id").values_list("id", "type", "created_at"))

    erasure.erase(person, actor=manager)

    after = list(ActivityLog.objects.filter(lead=person).order_by("id").values_list("id", "type", "created_at"))
    assert after[: len(before)] == before
    erased = ActivityLog.objects.get(lead=person, type=ActivityLog.Type.ERASED)
    assert erased.actor == manager
    assert erased.payload["erased_by"] == manager.username and erased.payload["erased_at"]
    person.refresh_from_db()
    assert person.erased_at is not None and str(person) == "Erased person"
    # Codes stay readable: what happened, from which status to which.
    scored = ActivityLog.objects.filter(lead=person, type=ActivityLog.Type.SCORED).first()
    assert scored.payload["label"] in Lead.Label.values and scored.payload["reason"] == erasure.ERASED


def test_the_lead_keeps_what_identifies_no_one_and_stops_being_worked(person, manager):
    score, industry, country = person.score_value, person.industry, person.country

    erasure.erase(person, actor=manager)

    person.refresh_from_db()
    assert (person.score_value, person.industry, person.country) == (score, industry, country)
    assert (person.email, person.first_name, person.phone, person.attributes) == ("", "", "", {})
    assert person.company_id is None
    assert person.status == Lead.Status.DISQUALIFIED
    assert not EmailDraft.objects.filter(lead=person, state__in=EmailDraft.OPEN_STATES).exists()
    assert not Enrollment.objects.filter(lead=person, status=Enrollment.Status.ACTIVE).exists()
    # Learning keeps the outcome, without its notes.
    assert Feedback.objects.get(lead=person).notes == ""


def test_the_address_stays_only_as_a_hash_so_the_person_is_never_contacted_again(person, manager):
    Suppression.objects.create(email=person.email, reason=Suppression.Reason.UNSUBSCRIBED, notes="Dana asked")

    erasure.erase(person, actor=manager)

    [row] = Suppression.objects.all()
    assert row.email == address_hash(PERSON["email"]) and row.reason == Suppression.Reason.UNSUBSCRIBED
    assert suppression_for(" Dana.Reyes@Northwind-Logistics.com ") == row
    # They come back through a form: the new lead is known as not to be contacted, and never drafted.
    again = intake.ingest(PERSON, source="web_form", qualify=False).lead
    runner.qualify([again.pk])
    again.refresh_from_db()
    assert is_suppressed(again.email)
    assert again.recommended_action == Lead.Action.DISQUALIFY
    assert not EmailDraft.objects.filter(lead=again).exists()


def test_an_address_never_suppressed_before_is_added_as_a_hash(person, manager):
    erasure.erase(person, actor=manager)
    assert list(Suppression.objects.values_list("email", flat=True)) == [address_hash(PERSON["email"])]


def test_import_error_files_lose_the_persons_rows_and_keep_the_others(person, manager):
    erasure.erase(person, actor=manager)

    job = ImportJob.objects.get()
    rows = list(csv.reader(io.StringIO(job.error_file.read().decode())))
    assert rows == [["row", "column", "value", "message", "email", "first_name"],
                    ["3", "country", "Atlantis", "unknown", "lee@globex.io", "Lee"]]
    assert [entry["row"] for entry in job.errors] == [3]
    assert not job.file  # the finished import's upload held the address


def test_erasing_twice_changes_nothing_the_second_time(person, manager):
    erasure.erase(person, actor=manager)
    erasure.erase(person, actor=manager)
    assert ActivityLog.objects.filter(lead=person, type=ActivityLog.Type.ERASED).count() == 1


def test_other_leads_at_the_company_keep_it_and_its_memory_no_longer_counts_the_person(person, manager):
    colleague = LeadFactory(email="lee@northwind-logistics.com", company=person.company)

    erasure.erase(person, actor=manager)

    assert Company.objects.filter(pk=colleague.company_id).exists()
    assert list(Lead.objects.filter(company_id=colleague.company_id)) == [colleague]


def test_scrubbed_keeps_structure_numbers_and_codes_but_no_text():
    payload = {"from": "NEW", "to": "QUALIFIED", "reason": "Dana asked", "value": 80, "hard": True,
               "changes": {"phone": ["+1 415", "+1 416"]}, "suppressed": "dana@x.com", "to_email": "dana@x.com",
               "cancelled_drafts": ["5b1d"], "event": "x" * 200}
    assert erasure.scrubbed(payload) == {
        "from": "NEW", "to": "QUALIFIED", "reason": "[erased]", "value": 80, "hard": True,
        "changes": {"phone": ["[erased]", "[erased]"]}, "suppressed": "[erased]", "to_email": "[erased]",
        "cancelled_drafts": ["5b1d"], "event": "[erased]",
    }


# --- The command ------------------------------------------------------------------------------------


def test_the_command_erases_by_address_id_or_source_id_and_names_the_manager(manager, rep):
    by_email, by_id, by_external = LeadFactory(), LeadFactory(), LeadFactory(external_id="CRM-1")

    call_command("erase_leads", by_email.email.upper(), str(by_id.pk), "CRM-1", "--by", manager.username,
                 stdout=io.StringIO())

    for lead in (by_email, by_id, by_external):
        lead.refresh_from_db()
        assert lead.erased_at is not None
        assert ActivityLog.objects.get(lead=lead, type=ActivityLog.Type.ERASED).actor == manager


def test_the_command_refuses_unknown_leads_and_people_who_are_not_managers(rep):
    lead = LeadFactory()
    with pytest.raises(CommandError, match="nobody@example.com"):
        call_command("erase_leads", "nobody@example.com")
    with pytest.raises(CommandError, match="only a manager"):
        call_command("erase_leads", lead.email, "--by", rep.username)
    lead.refresh_from_db()
    assert lead.erased_at is None


# --- Retention --------------------------------------------------------------------------------------


def _aged(lead: Lead, days: int) -> Lead:
    then = timezone.now() - timedelta(days=days)
    Lead.objects.filter(pk=lead.pk).update(created_at=then, updated_at=then)
    ActivityLog.objects.filter(lead=lead).update(created_at=then)
    return lead


def test_retention_erases_leads_untouched_for_the_set_months_and_keeps_the_others(settings):
    settings.LEAD_RETENTION_MONTHS = 6
    forgotten = _aged(LeadFactory(), 200)
    ActivityLog.record(forgotten, ActivityLog.Type.NOTE, payload={"text": "old"})
    _aged(forgotten, 200)
    # Re-scoring under a new version touches every open lead; it is not a person touching it.
    rescored = _aged(LeadFactory(), 200)
    ActivityLog.objects.create(lead=rescored, type=ActivityLog.Type.SCORED, actor_label="pipeline")
    worked = _aged(LeadFactory(), 200)
    ActivityLog.record(worked, ActivityLog.Type.NOTE, payload={"text": "called again"})
    recent = LeadFactory()

    assert erase_stale_leads() == 2

    erased = set(Lead.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == {forgotten.pk, rescored.pk}
    assert Lead.objects.get(pk=worked.pk).erased_at is None and Lead.objects.get(pk=recent.pk).erased_at is None
    assert ActivityLog.objects.get(lead=forgotten, type=ActivityLog.Type.ERASED).payload["erased_by"] == "retention"


def test_retention_is_off_by_default(settings):
    assert settings.LEAD_RETENTION_MONTHS == 0
    _aged(LeadFactory(), 5000)
    assert erase_stale_leads() == 0
    assert not Lead.objects.filter(erased_at__isnull=False).exists()


def test_the_retention_job_runs_nightly_on_celery_beat(settings):
    job = settings.CELERY_BEAT_SCHEDULE["leads-erase-stale-leads"]
    assert job["task"] == erase_stale_leads.name == "leads.tasks.erase_stale_leads"


def test_months_are_calendar_months():
    moment = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert erasure.months_before(moment, 1) == moment.replace(month=2, day=28)
    assert erasure.months_before(moment, 15) == moment.replace(year=2024, month=12)



def test_an_erased_persons_details_cannot_be_entered_again(person, manager):
    erasure.erase(person, actor=manager)
    person.refresh_from_db()
    with pytest.raises(intake.IntakeError, match="erased"):
        intake.edit(person, {"first_name": "Dana", "email": "dana@example.com"}, actor=manager)
    person.refresh_from_db()
    assert person.first_name == "" and person.email == ""
