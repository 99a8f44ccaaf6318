"""A step's A/B test: assignment, the per-variant report and the statistics, against hand-computed values."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import LeadFactory
from leads.models import ActivityLog, Feedback
from outreach import experiments
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceStep

UTC = ZoneInfo("UTC")
SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_difference_of_fifteen_against_nine_percent_in_two_hundred_sends_each_is_not_yet_sure():
    # Pooled rate 48/400 = 0.12; standard error sqrt(0.12 * 0.88 * (1/200 + 1/200)) = 0.032496;
    # z = 0.06 / 0.032496 = 1.8464; two-sided p = 2 * (1 - Phi(1.8464)) = 0.0648.
    result = experiments.two_proportion_test(30, 200, 18, 200)
    assert result.z == pytest.approx(1.8464, abs=1e-4)
    assert result.p_value == pytest.approx(0.0648, abs=1e-4)


def test_the_same_rates_on_twice_the_sends_are_significant():
    # z grows with the square root of the sends: 1.8464 * sqrt(2) = 2.6112, p = 0.0090.
    result = experiments.two_proportion_test(60, 400, 36, 400)
    assert result.z == pytest.approx(2.6112, abs=1e-3)
    assert result.p_value == pytest.approx(0.0090, abs=1e-4)


def test_no_replies_on_either_side_is_no_evidence():
    assert experiments.two_proportion_test(0, 50, 0, 80) == experiments.TestResult(0.0, 1.0)


def test_ten_against_fifteen_percent_needs_686_sends_per_variant():
    # (1.959964 * sqrt(2 * 0.125 * 0.875) + 0.841621 * sqrt(0.09 + 0.1275))^2 / 0.05^2 = 685.6, rounded up.
    assert experiments.sends_needed(0.10, 0.15) == 686
    assert experiments.sends_needed(0.15, 0.10) == 686
    assert experiments.sends_needed(0.2, 0.2) is None


def test_a_lead_keeps_its_variant_and_leads_split_about_evenly():
    step_id = 7
    leads = [uuid.UUID(int=number) for number in range(2000)]
    first = [experiments.assign_variant(lead, step_id, ["a", "b"]) for lead in leads]
    assert first == [experiments.assign_variant(lead, step_id, ["a", "b"]) for lead in leads]
    assert 900 < first.count("a") < 1100
    # Another step shuffles the leads anew: the same lead does not always get the first variant.
    other = [experiments.assign_variant(lead, 8, ["a", "b"]) for lead in leads]
    assert 800 < sum(left == right for left, right in zip(first, other, strict=True)) < 1200


@pytest.fixture
def ab_step(db) -> SequenceStep:  # type: ignore[no-untyped-def]
    sequence = Sequence.objects.create(name="A/B")
    SequenceStep.objects.create(sequence=sequence, position=1, variant="first_touch", template_keys=["first_touch"])
    return SequenceStep.objects.create(sequence=sequence, position=2, variant="follow_up_1", wait_business_days=2,
                                       template_keys=["follow_up_1", "demo_invite"])


def _sent(step: SequenceStep, key: str, at: datetime = SENT) -> EmailDraft:
    lead = LeadFactory()
    enrollment = Enrollment.objects.create(lead=lead, sequence=step.sequence, started_at=at - timedelta(days=3))
    return EmailDraft.objects.create(lead=lead, variant=step.variant, subject="s", body="b", template_key=key,
                                     state=EmailDraft.State.SENT, sent_at=at, sequence_step=step, enrollment=enrollment)


def _event(draft: EmailDraft, kind: str, at: datetime, **payload: str) -> None:
    row = ActivityLog.record(draft.lead, kind, payload=payload)
    ActivityLog.objects.filter(pk=row.pk).update(created_at=at)


def test_the_report_counts_each_variants_sends_replies_by_intent_meetings_bounces_and_unsubscribes(ab_step):
    plain = [_sent(ab_step, "follow_up_1") for _ in range(4)]
    demo = [_sent(ab_step, "demo_invite") for _ in range(3)]
    later = SENT + timedelta(hours=5)
    _event(plain[0], ActivityLog.Type.REPLY_RECEIVED, later, classification="interested")
    _event(plain[0], ActivityLog.Type.REPLY_RECEIVED, later + timedelta(hours=1), classification="interested")
    _event(plain[1], ActivityLog.Type.REPLY_RECEIVED, later, classification="out_of_office")
    _event(plain[2], ActivityLog.Type.BOUNCED, later)
    _event(demo[0], ActivityLog.Type.REPLY_RECEIVED, later, classification="not_now")
    _event(demo[1], ActivityLog.Type.REPLY_RECEIVED, later, classification="unsubscribe")
    _event(demo[1], ActivityLog.Type.UNSUBSCRIBED, later)
    meeting = Feedback.objects.create(lead=demo[0].lead, outcome=Feedback.Outcome.BOOKED_DEMO)
    Feedback.objects.filter(pk=meeting.pk).update(created_at=later)
    # Before the send: not this step's doing.
    _event(demo[2], ActivityLog.Type.REPLY_RECEIVED, SENT - timedelta(days=1), classification="interested")

    rows = {row.template_key: row for row in experiments.variant_report(ab_step)}
    assert (rows["follow_up_1"].sends, rows["follow_up_1"].replied, rows["follow_up_1"].bounces) == (4, 1, 1)
    assert rows["follow_up_1"].replies_by_intent == {"interested": 1, "out_of_office": 1}
    assert (rows["demo_invite"].sends, rows["demo_invite"].replied, rows["demo_invite"].meetings,
            rows["demo_invite"].unsubscribes) == (3, 2, 1, 1)
    assert rows["demo_invite"].reply_rate == pytest.approx(2 / 3)


def test_a_reply_after_the_next_step_went_out_belongs_to_that_step(ab_step):
    draft = _sent(ab_step, "follow_up_1")
    step_three = SequenceStep.objects.create(sequence=ab_step.sequence, position=3, variant="follow_up_2",
                                             template_keys=["follow_up_2"])
    EmailDraft.objects.create(lead=draft.lead, variant="follow_up_2", subject="s", body="b", template_key="follow_up_2",
                              state=EmailDraft.State.SENT, sent_at=SENT + timedelta(days=3), sequence_step=step_three,
                              enrollment=draft.enrollment)
    _event(draft, ActivityLog.Type.REPLY_RECEIVED, SENT + timedelta(days=4), classification="interested")
    [row, _unsent] = experiments.variant_report(ab_step)
    assert (row.sends, row.replied) == (1, 0)
    assert experiments.variant_report(step_three)[0].replied == 1


def test_the_verdict_names_the_leader_and_how_many_more_sends_it_needs():
    rows = [experiments.VariantRow("a", False, sends=200, replied=30), experiments.VariantRow("b", False, sends=200,
                                                                                            replied=18)]
    verdict = experiments.verdict(rows)
    assert (verdict.leader, verdict.runner_up, verdict.significant) == ("a", "b", False)
    # 15 % against 9 %: 1.959964 * sqrt(2 * .12 * .88) + 0.841621 * sqrt(.1275 + .0819) = 1.28586;
    # 1.28586^2 / .06^2 = 459.3, so 460 per variant: 260 more than the 200 each has.
    assert verdict.more_sends_needed == 460 - 200
    assert "could still be chance" in verdict.sentence and "260 more sends per variant" in verdict.sentence
    rows[0].sends, rows[0].replied, rows[1].sends, rows[1].replied = 400, 60, 400, 36
    sure = experiments.verdict(rows)
    assert sure.significant and sure.more_sends_needed is None and "unlikely to be chance" in sure.sentence


def test_a_retired_variant_is_given_to_no_new_lead_but_stays_in_the_report(ab_step):
    _sent(ab_step, "demo_invite")
    experiments.retire(ab_step, "demo_invite")
    ab_step.refresh_from_db()
    assert ab_step.live_template_keys == ["follow_up_1"]
    assert {experiments.assign_variant(uuid.uuid4(), ab_step.pk, ab_step.live_template_keys) for _ in range(20)} == {
        "follow_up_1"}
    assert [row.retired for row in experiments.variant_report(ab_step)] == [False, True]
    with pytest.raises(ValueError, match="last one still in use"):
        experiments.retire(ab_step, "follow_up_1")
