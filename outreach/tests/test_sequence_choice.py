"""Which sequence a lead gets: rules by source, label and owner in order, the default for the rest; one sequence
at a time and never the same one twice."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from leads.models import Lead
from outreach import sending, sequences
from outreach.models import EmailDraft, Enrollment, Sequence, SequenceRule, SequenceStep

State = EmailDraft.State
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))


def _sequence(name: str) -> Sequence:
    sequence = Sequence.objects.create(name=name)
    SequenceStep.objects.create(sequence=sequence, position=1, variant="first_touch", template_keys=["first_touch"])
    SequenceStep.objects.create(sequence=sequence, position=2, variant="follow_up_1", wait_business_days=1,
                                template_keys=["follow_up_1"])
    return sequence


@pytest.fixture
def partners(db) -> Sequence:  # type: ignore[no-untyped-def]
    return _sequence("Partners")


def test_a_rule_for_a_source_catches_its_leads_and_the_default_the_rest(partners, lead_factory):
    SequenceRule.objects.create(sequence=partners, position=1, source=Lead.Source.PARTNER)
    assert sequences.choose(lead_factory(source=Lead.Source.PARTNER)) == partners
    assert sequences.choose(lead_factory(source=Lead.Source.WEB_FORM)).is_default


def test_rules_are_tried_in_order_and_every_field_a_rule_sets_must_match(partners, lead_factory, rep):
    hot_for_rep = _sequence("Rep's hot leads")
    SequenceRule.objects.create(sequence=partners, position=2, source=Lead.Source.PARTNER)
    SequenceRule.objects.create(sequence=hot_for_rep, position=1, score_label="HOT", owner=rep)
    assert sequences.choose(lead_factory(source=Lead.Source.PARTNER, score_label="HOT", owner=rep)) == hot_for_rep
    assert sequences.choose(lead_factory(source=Lead.Source.PARTNER, score_label="HOT")) == partners
    assert sequences.choose(lead_factory(score_label="HOT")).is_default


def test_a_rule_of_a_sequence_out_of_use_is_skipped(partners, lead_factory):
    SequenceRule.objects.create(sequence=partners, position=1, source=Lead.Source.PARTNER)
    Sequence.objects.filter(pk=partners.pk).update(is_active=False)
    assert sequences.choose(lead_factory(source=Lead.Source.PARTNER)).is_default


def test_the_first_touch_sent_starts_the_chosen_sequence_and_counts_as_its_first_step(partners, draft_factory):
    SequenceRule.objects.create(sequence=partners, position=1, source=Lead.Source.PARTNER)
    with time_machine.travel(NOW, tick=False):
        draft = draft_factory(lead__source=Lead.Source.PARTNER, state=State.APPROVED, approved_at=timezone.now())
        assert sending.send(draft.pk) == "sent"
    enrollment = Enrollment.objects.get(lead=draft.lead)
    draft.refresh_from_db()
    assert (enrollment.sequence, enrollment.last_step_position) == (partners, 1)
    assert (draft.enrollment, draft.sequence_step.position) == (enrollment, 1)


def test_a_lead_is_in_one_sequence_at_a_time_and_never_in_the_same_one_twice(partners, lead_factory):
    lead = lead_factory()
    first = sequences.enroll(lead, NOW)
    assert first is not None
    assert sequences.enroll(lead, NOW, sequence=partners) is None  # in a sequence already
    Enrollment.objects.filter(pk=first.pk).update(status=Enrollment.Status.STOPPED)
    assert sequences.enroll(lead, NOW) is None  # the default again: never twice
    assert sequences.enroll(lead, NOW, sequence=partners) is not None


def test_a_lead_enrolled_without_a_first_touch_gets_the_first_step_drafted(lead_factory):
    lead = lead_factory()
    enrollment = sequences.enroll(lead, NOW)
    assert (enrollment.last_step_position, enrollment.next_due_at) == (0, NOW)
    with time_machine.travel(NOW, tick=False):
        [draft] = sequences.draft_due_steps()
    assert (draft.variant, draft.sequence_step.position, draft.template_key) == ("first_touch", 1, "first_touch")


def test_a_rule_needs_a_source_a_label_or_an_owner(partners):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="source, a label or an owner"):
        SequenceRule(sequence=partners, position=1).full_clean()
