"""Changing the version in force: one active at a time, re-scoring and the lead lists told once committed."""

import pytest

from leads.signals import leads_changed
from scoring import tasks, tuning, versions
from scoring.models import ScoringConfig

pytestmark = pytest.mark.django_db


@pytest.fixture
def announcements() -> list[object]:
    heard: list[object] = []

    def receiver(sender: object, **kwargs: object) -> None:
        heard.append(sender)

    leads_changed.connect(receiver, weak=False)
    yield heard
    leads_changed.disconnect(receiver)


@pytest.fixture
def rescores(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    queued: list[int] = []
    monkeypatch.setattr(tasks.rescore_open_leads, "delay", lambda version, job_id=None: queued.append(version))
    return queued


def _new_version() -> ScoringConfig:
    active = ScoringConfig.objects.get(is_active=True)
    return ScoringConfig.objects.create(
        version=ScoringConfig.next_version(), source=ScoringConfig.Source.MANUAL, weights=active.weights,
        thresholds=active.thresholds, profile=active.profile,
    )


def test_activating_a_version_deactivates_the_previous_one_which_stays(django_capture_on_commit_callbacks, rescores):
    previous = ScoringConfig.objects.get(is_active=True)
    newer = _new_version()

    with django_capture_on_commit_callbacks(execute=True):
        versions.activate(newer)

    assert list(ScoringConfig.objects.filter(is_active=True)) == [newer]
    assert newer.activated_at is not None
    assert ScoringConfig.objects.filter(pk=previous.pk).exists()


def test_the_open_leads_are_rescored_and_the_lead_lists_told_only_once_it_commits(
    django_capture_on_commit_callbacks, announcements, rescores
):
    newer = _new_version()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        versions.activate(newer)
    assert rescores == [] and announcements == []
    for callback in callbacks:
        callback()

    assert rescores == [newer.version]
    assert len(announcements) == 1


def test_rolling_back_activates_an_earlier_version_again(django_capture_on_commit_callbacks, announcements, rescores):
    original = ScoringConfig.objects.get(is_active=True)
    versions.activate(_new_version())

    with django_capture_on_commit_callbacks(execute=True):
        assert versions.roll_back(original.version) == original

    assert ScoringConfig.objects.get(is_active=True) == original
    assert rescores[-1] == original.version and announcements


def test_saving_a_managers_edit_activates_it_and_tells_the_lead_lists(
    django_capture_on_commit_callbacks, announcements, rescores, manager
):
    base = tuning.config_in_force()
    edit = tuning.read_edit({"weight:seniority.vp": "5"}, base)

    with django_capture_on_commit_callbacks(execute=True):
        saved = tuning.save_version(base, edit, manager)

    assert saved.is_active and saved.weights["seniority.vp"] == 5 and saved.parent == base
    assert rescores == [saved.version] and len(announcements) == 1
