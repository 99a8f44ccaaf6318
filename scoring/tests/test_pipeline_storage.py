"""The batch's database work: the plain ORM version (reads, writes) and PostgreSQL's fast path agree."""

from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import CompanyFactory, LeadFactory
from leads.models import ActivityLog, Lead
from outreach.models import EmailDraft, Suppression
from scoring.models import Trace
from scoring.pipeline import postgres, reads, runner, writes
from scoring.tests.test_pipeline import HOT_LEAD

pytestmark = pytest.mark.django_db


@pytest.fixture
def orm_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """reads and writes take their ORM version, as on SQLite (the queries still run on PostgreSQL)."""
    not_postgres = SimpleNamespace(vendor="sqlite")
    monkeypatch.setattr(reads, "connection", not_postgres)
    monkeypatch.setattr(writes, "connection", not_postgres)


def _result(lead: Lead) -> dict[str, object]:
    lead.refresh_from_db()
    return {
        "status": lead.status, "label": lead.score_label, "value": lead.score_value, "factors": lead.score_factors,
        "action": lead.recommended_action, "company": lead.company is not None,
        "activities": sorted(lead.activities.values_list("type", flat=True)),
        "drafts": list(lead.drafts.values_list("variant", "state")),
        "traces": list(lead.traces.values_list("status", flat=True)),
    }


def _lead(number: int, **fields: object) -> Lead:
    return LeadFactory(**{**HOT_LEAD, "email": f"buyer{number}@northwind-logistics.com", **fields})


def test_the_orm_version_locks_the_same_leads_suppressions_and_open_drafts(orm_only):
    leads = [_lead(1), _lead(2), _lead(3, email="")]
    Suppression.objects.create(email="buyer2@northwind-logistics.com", reason=Suppression.Reason.OPTED_OUT)
    EmailDraft.objects.create(lead=leads[0], variant=EmailDraft.Variant.FIRST_TOUCH, subject="Hi", body="Hello")
    ids = [str(lead.pk) for lead in leads]

    with transaction.atomic():
        fast = postgres.lock_leads(ids)
        plain = reads.lock_leads(ids)

    assert list(plain.leads) == list(fast.leads) == sorted(ids)
    assert plain.suppressed == fast.suppressed == {"buyer2@northwind-logistics.com"}
    assert plain.open_drafts == fast.open_drafts == [(leads[0].pk, "first_touch", "draft", "template")]


def test_the_orm_version_finds_the_same_companies_and_memory(orm_only):
    company = CompanyFactory(domain="northwind-logistics.com")
    LeadFactory(email="old@northwind-logistics.com", company=company, status=Lead.Status.CLOSED_WON)
    batch = [_lead(1)]

    fast = postgres.companies_with_memory({"northwind-logistics.com", "acme.example"}, [batch[0].pk])
    plain = reads.companies_with_memory({"northwind-logistics.com", "acme.example"}, [batch[0].pk])

    assert plain[0] == fast[0] == {"northwind-logistics.com": company}
    assert plain[1] == fast[1]
    assert (fast[1]["northwind-logistics.com"].earlier_leads, fast[1]["northwind-logistics.com"].won) == (1, 1)


def test_a_run_saved_by_the_orm_version_matches_one_saved_on_postgresql(monkeypatch):
    # Two companies, so that neither lead counts as the other's earlier lead in company memory.
    fast_lead, plain_lead = _lead(1), _lead(2, email="buyer2@acme-industries.com")
    runner.qualify([fast_lead.pk])
    not_postgres = SimpleNamespace(vendor="sqlite")
    monkeypatch.setattr(reads, "connection", not_postgres)
    monkeypatch.setattr(writes, "connection", not_postgres)

    runner.qualify([plain_lead.pk])

    assert _result(plain_lead) == _result(fast_lead)
    assert _result(plain_lead)["activities"] == sorted(
        [ActivityLog.Type.SCORED, ActivityLog.Type.STATUS_CHANGED, ActivityLog.Type.EMAIL_DRAFTED]
    )
    assert Trace.objects.filter(status=Trace.Status.OK).count() == 2


def test_on_postgresql_a_one_lead_run_reads_and_writes_in_two_statements():
    runner.qualify([_lead(0).pk])  # the domain's Company row exists now: no insert for it
    lead = _lead(1)

    with CaptureQueriesContext(connection) as queries:
        runner.qualify([lead.pk])

    statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    assert len(statements) == 2, statements
    assert "FOR UPDATE OF l" in statements[0] and statements[1].startswith("WITH ")
