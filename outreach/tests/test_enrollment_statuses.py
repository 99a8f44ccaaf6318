"""Enrollment.OPEN_STATUSES and the database's one-open-enrollment constraint name the same statuses.

The code asks OPEN_STATUSES "is this lead still in a sequence?"; the partial unique index answers it for the
database. If the two drift apart, a lead ends up in two sequences at once, or cannot be enrolled again after one
ended. These tests ask the migrated database itself, so they fail on a drift in the model or in a migration.
"""

from itertools import combinations_with_replacement

import pytest
from django.db import IntegrityError, transaction

from conftest import LeadFactory
from outreach.models import Enrollment, Sequence

pytestmark = pytest.mark.django_db


@pytest.fixture
def sequence() -> Sequence:
    return Sequence.objects.create(name="Onboarding")


def _database_allows_both(sequence: Sequence, first: str, second: str) -> bool:
    lead = LeadFactory()
    Enrollment.objects.create(lead=lead, sequence=sequence, status=first)
    try:
        with transaction.atomic():
            Enrollment.objects.create(lead=lead, sequence=sequence, status=second)
    except IntegrityError:
        return False
    return True


@pytest.mark.parametrize(("first", "second"), list(combinations_with_replacement(Enrollment.Status.values, 2)))
def test_the_database_refuses_a_second_enrollment_exactly_when_both_are_open(sequence, first, second):
    both_open = first in Enrollment.OPEN_STATUSES and second in Enrollment.OPEN_STATUSES
    assert _database_allows_both(sequence, first, second) is not both_open


def test_the_models_constraint_is_over_the_open_statuses():
    constraint = next(each for each in Enrollment._meta.constraints if each.name == "one_open_enrollment_per_lead")
    (lookup, statuses), = constraint.condition.children
    assert lookup == "status__in"
    assert sorted(statuses) == sorted(Enrollment.OPEN_STATUSES)
