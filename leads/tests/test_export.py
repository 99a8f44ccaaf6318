"""Export: the `export_leads` command, the dashboard's Download CSV, formula safety and batching."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import LeadFactory
from leads.export import LeadExport, columns, neutralise_formula
from leads.models import Lead
from outreach.models import EmailDraft

pytestmark = pytest.mark.django_db


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _export(**options: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_leads", stdout=out, stderr=err, **options)
    return out.getvalue()


def test_csv_export_turns_formula_cells_into_text():
    LeadFactory(
        email="evan@quarryhill.co",
        company_name='=HYPERLINK("http://evil.example","click")',
        phone="+1 415 555 0100",
        job_title="@SUM(A1:A9)",
        pain_point="-2+3",
        lead_message="\t=cmd|' /C calc'!A0",
    )
    [row] = _rows(_export())
    assert row["company_name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["phone"] == "'+1 415 555 0100"
    assert row["job_title"] == "'@SUM(A1:A9)"
    assert row["pain_point"] == "'-2+3"
    assert row["lead_message"].startswith("'\t=cmd")


def test_formula_neutralising_leaves_ordinary_text_alone():
    assert neutralise_formula("Acme = best") == "Acme = best"
    assert neutralise_formula("Zoë Müller") == "Zoë Müller"
    assert neutralise_formula("\r=1+1") == "'\r=1+1"


def test_csv_export_keeps_non_ascii_names_and_opens_in_excel_as_utf8():
    LeadFactory(first_name="Zoë", last_name="Müller", email="zoe@alpenglanz.ch")
    LeadFactory(first_name="伟", last_name="陈", email="chen.wei@huaxin-elec.cn")
    text = _export()
    assert text.startswith("\ufeff")
    names = {(row["first_name"], row["last_name"]) for row in _rows(text)}
    assert names == {("Zoë", "Müller"), ("伟", "陈")}


def test_json_export_carries_every_lead_field_scores_and_the_pending_draft():
    lead = LeadFactory(
        email="victoria@globalmeridian.com",
        attributes={"Campaign": "Customer referral program"},
        budget_range="$250,000",
        budget_amount=250000,
        status=Lead.Status.QUALIFIED,
        score_label=Lead.Label.HOT,
        score_value=85,
        score_factors=[{"factor": "VP title", "points": 20}, {"factor": "Budget $250k", "points": 65}],
        recommended_action=Lead.Action.SEND_EMAIL,
        decision_reason="HOT lead with budget",
        needs_approval=True,
        approval_reason="Enterprise: 5,001+ employees",
    )
    EmailDraft.objects.create(lead=lead, subject="Old idea", body="cancelled", state=EmailDraft.State.CANCELLED)
    EmailDraft.objects.create(lead=lead, subject="Standardising qualification", body="Hi Victoria, ...")

    [record] = json.loads(_export(format="json"))

    assert list(record) == columns()  # the same columns, in the same order, as the CSV header
    assert record["id"] == str(lead.id)
    assert record["email"] == "victoria@globalmeridian.com"
    assert record["attributes"] == {"Campaign": "Customer referral program"}
    assert record["status"] == "QUALIFIED"
    assert (record["score_label"], record["score_value"]) == ("HOT", 85)
    assert record["score_factors"][0] == {"factor": "VP title", "points": 20}
    assert record["recommended_action"] == "SEND_EMAIL"
    assert record["decision_reason"] == "HOT lead with budget"
    assert record["needs_approval"] is True
    assert record["approval_reason"] == "Enterprise: 5,001+ employees"
    assert record["budget_amount"] == 250000
    assert record["draft_subject"] == "Standardising qualification"
    assert record["draft_body"] == "Hi Victoria, ..."
    # Foreign keys go out as readable values (company_domain, owner_username); the fingerprint is
    # the pipeline's own bookkeeping, not lead data.
    internal = {"company_id", "owner_id", "approved_by_id", "disqualification_requested_by_id", "qualified_fingerprint"}
    assert {field.attname for field in Lead._meta.concrete_fields} - internal <= set(record)


def test_export_filters_by_status():
    LeadFactory(email="new@acme-industries.com")
    LeadFactory(email="won@acme-industries.com", status=Lead.Status.CLOSED_WON)
    rows = _rows(_export(status="CLOSED_WON"))
    assert [row["email"] for row in rows] == ["won@acme-industries.com"]


def test_export_refuses_an_unknown_status_naming_it_and_the_choices():
    with pytest.raises(CommandError, match="Unknown status 'WON'; choose one of: NEW, QUALIFIED"):
        _export(status="WON")


def test_export_writes_to_a_file_and_says_how_many_leads(tmp_path):
    LeadFactory.create_batch(3)
    target = tmp_path / "leads.json"
    err = io.StringIO()
    call_command("export_leads", format="json", output=str(target), stderr=err)
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 3
    assert f"Exported 3 leads as JSON to {target}" in err.getvalue()


def test_an_empty_database_exports_a_header_and_an_empty_list():
    assert _rows(_export()) == []
    assert json.loads(_export(format="json")) == []


def test_every_lead_is_exported_once_newest_first_across_batches_even_with_equal_timestamps():
    moment = timezone.now()
    same_time = [LeadFactory(created_at=moment) for _ in range(5)]
    older = LeadFactory(created_at=moment - timedelta(days=1))
    newer = LeadFactory(created_at=moment + timedelta(days=1))
    export = LeadExport(batch_size=2)
    ids = [record["id"] for batch in export.records() for record in batch]
    assert len(ids) == len(set(ids)) == 7
    assert ids[0] == newer.id and ids[-1] == older.id
    assert set(ids[1:6]) == {lead.id for lead in same_time}
    assert export.count == 7


def test_each_batch_costs_two_queries_however_many_drafts(django_assert_num_queries):
    for lead in LeadFactory.create_batch(5):
        EmailDraft.objects.create(lead=lead, subject=f"Hello {lead.first_name}", body="...")
    # Three batches of 2, 2 and 1 leads: a lead query and a draft query each.
    with django_assert_num_queries(6):
        text = "".join(LeadExport(batch_size=2).chunks())
    assert all(row["draft_subject"].startswith("Hello") for row in _rows(text))


def test_the_download_button_streams_the_dashboard_filter_as_a_csv_attachment(rep_client):
    LeadFactory(email="hot@acme-industries.com", score_label=Lead.Label.HOT)
    LeadFactory(email="cold@acme-industries.com", score_label=Lead.Label.COLD)
    response = rep_client.get("/leads/export.csv", {"label": "HOT"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="leads-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert [row["email"] for row in _rows(text)] == ["hot@acme-industries.com"]


def test_the_download_honours_every_dashboard_filter_including_search_and_my_leads(rep_client, rep):
    LeadFactory(email="kim@northwindfreight.com", first_name="Kim", owner=rep)
    LeadFactory(email="kim@kestrelanalytics.io", first_name="Kim")
    LeadFactory(email="lee@northwindfreight.com", first_name="Lee", owner=rep)
    response = rep_client.get("/leads/export.csv", {"q": "Kim", "owner": "me"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert [row["email"] for row in _rows(text)] == ["kim@northwindfreight.com"]


def test_the_dashboard_links_its_download_button_to_the_current_filters(rep_client):
    page = rep_client.get("/", {"status": "NEW"}).content.decode()
    assert 'href="/leads/export.csv?status=NEW"' in page


def test_the_download_needs_login(client):
    response = client.get("/leads/export.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_cannot_download_leads(outsider_client):
    LeadFactory()
    assert outsider_client.get("/leads/export.csv").status_code == 403


def test_the_download_refuses_an_unknown_filter_value(rep_client):
    response = rep_client.get("/leads/export.csv", {"source": "carrier-pigeon"})
    assert response.status_code == 400
    assert "Unknown source 'carrier-pigeon'" in response.content.decode()
