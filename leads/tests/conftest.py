"""Fixtures for the leads tests: files land in a temporary media folder; qualification is asked for, not run."""

from pathlib import Path

import pytest

from leads.signals import qualification_wanted


@pytest.fixture
def import_media(settings, tmp_path) -> Path:
    """Uploaded files and error CSVs go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def no_qualification(monkeypatch) -> None:
    """The pipeline's own tests cover qualification; here nobody answers intake's `qualification_wanted`."""
    monkeypatch.setattr(qualification_wanted, "receivers", [])


@pytest.fixture
def queued(no_qualification) -> list:
    """Lead ids intake asked to have qualified (the pipeline's own tests cover what happens next)."""
    calls: list = []

    def asked(sender, lead_ids, **kwargs) -> None:
        calls.extend(lead_ids)

    qualification_wanted.connect(asked, weak=False)
    return calls
