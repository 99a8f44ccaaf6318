"""Whether the LLM answers, said where people look (/healthz, a banner for managers), and what follows from it:
server slots kept, and leads the rules scored while it failed qualified again once it answers."""

import threading

import pytest
from django.core.cache import cache

from leadops import llm, prompts
from scoring import requalification
from scoring.models import Trace
from scoring.pipeline import runner
from scoring.pipeline.tasks import requalify_fallen_back
from scoring.tests.fake_openai import Reply
from scoring.tests.test_pipeline_llm import qualified

pytestmark = pytest.mark.django_db

DATA = {"company": "Northwind Logistics", "message": "We need pricing."}
RULES = {"rule_score": 60, "factors": []}


def fail_until_the_breaker_opens(llm_on, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LLM_MAX_RETRIES = 0
    llm_on.then(*[Reply(status=500)] * settings.LLM_BREAKER_FAILURES)
    for _ in range(settings.LLM_BREAKER_FAILURES):
        with pytest.raises(llm.LLMError):
            llm.assess_lead(prompts.latest("lead_assessment"), DATA, RULES)


def test_healthz_says_the_llm_is_off_by_default(client):
    body = client.get("/healthz").json()

    assert body["status"] == "ok" and body["llm"] == {
        "ok": True, "enabled": False, "detail": "off (LLM_PROVIDER=none): rules and templates decide"}


def test_healthz_says_when_the_llm_answers_and_when_its_breaker_is_open(client, llm_on, settings):
    llm.assess_lead(prompts.latest("lead_assessment"), DATA, RULES)
    answering = client.get("/healthz").json()
    assert answering["status"] == "ok"
    assert answering["llm"]["ok"] is True and answering["llm"]["breaker"] == "closed"
    assert answering["llm"]["model"] == "fake-model-1" and answering["llm"]["server_slots"] == 1

    fail_until_the_breaker_opens(llm_on, settings)

    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "degraded" and body["down"] == ["llm"]
    assert body["llm"]["breaker"] == "open" and "InternalServerError" in body["llm"]["last_error"]["error"]


def test_managers_see_a_banner_while_the_llm_fails_and_reps_do_not(manager_client, rep_client, llm_on, settings):
    assert "llm-trouble" not in manager_client.get("/").content.decode()

    fail_until_the_breaker_opens(llm_on, settings)

    page = manager_client.get("/").content.decode()
    assert 'id="llm-trouble"' in page and "Leads are scored by the rules" in page
    assert "llm-trouble" not in rep_client.get("/").content.decode()


def test_calls_wait_for_the_servers_slots_and_the_timeout_measures_the_answer_only(llm_on, settings):
    settings.LLM_SERVER_SLOTS = 1
    settings.LLM_TIMEOUT = 0.6
    settings.LLM_MAX_RETRIES = 0
    llm_on.latency = 0.3
    results: list[object] = []

    def assess() -> None:
        try:
            results.append(llm.assess_lead(prompts.latest("lead_assessment"), DATA, RULES).value.score)
        except llm.LLMError as error:
            results.append(error)

    threads = [threading.Thread(target=assess) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Queued at the server, the last of four 0.3 s answers would have waited 1.2 s and timed out.
    assert results == [60, 60, 60, 60]
    assert llm_on.most_in_flight == 1


def test_a_call_that_finds_no_free_slot_in_time_is_skipped_not_queued(llm_on, settings):
    settings.LLM_SLOT_WAIT = 1
    cache.set("llm:slot:0", "someone else", timeout=30)

    with pytest.raises(llm.LLMUnavailable, match="no free server slot within 1 s"):
        llm.assess_lead(prompts.latest("lead_assessment"), DATA, RULES)
    assert llm_on.requests == []


def test_a_lead_scored_by_the_rules_while_the_llm_failed_gets_the_llm_once_it_answers(
    llm_on, settings, django_capture_on_commit_callbacks
):
    fail_until_the_breaker_opens(llm_on, settings)
    lead = qualified()
    assert Trace.objects.get(lead=lead).fell_back is True
    assert requalify_fallen_back() == 0  # still failing: nothing to gain yet

    llm.traffic.record_success()  # the breaker's pause is over and a call got through
    cache.delete("llm:breaker:open-until")
    with django_capture_on_commit_callbacks(execute=True):
        assert requalify_fallen_back() == 1

    lead.refresh_from_db()
    latest = Trace.objects.filter(lead=lead).order_by("-created_at").first()
    assert latest.used_llm is True and latest.fell_back is False
    assert lead.enrichment["prompt_version"] == "lead_assessment.v4"
    with django_capture_on_commit_callbacks(execute=True):
        assert requalify_fallen_back() == 0


def test_re_qualifying_a_lead_that_fell_back_runs_it_again_rather_than_calling_it_unchanged(llm_on, settings):
    fail_until_the_breaker_opens(llm_on, settings)
    lead = qualified()
    cache.delete("llm:breaker:open-until")

    summary = runner.qualify([lead.pk])

    assert (summary.qualified, summary.unchanged) == (1, 0)


def test_the_oldest_fallen_back_leads_go_first_and_no_more_than_the_limit(llm_on, settings):
    fail_until_the_breaker_opens(llm_on, settings)
    leads = [qualified(email=f"buyer{number}@northwind-logistics.com") for number in range(3)]

    assert requalification.fallen_back_lead_ids(2) == [leads[0].pk, leads[1].pk]


def test_a_lead_whose_llm_draft_was_unusable_is_not_queued_again_and_again(llm_on):
    llm_on.then(Reply(), Reply(content={"subject": "Hello [Lead's Name]", "body": "A body long enough to be valid."}))
    lead = qualified()
    assert Trace.objects.get(lead=lead).fell_back is True

    assert requalification.fallen_back_lead_ids(10) == []
