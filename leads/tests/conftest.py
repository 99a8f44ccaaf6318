"""Fixtures for the import tests: files land in a temporary media folder, qualification is not queued."""

from pathlib import Path

import pytest


@pytest.fixture
def import_media(settings, tmp_path) -> Path:
    """Uploaded files and error CSVs go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def no_qualification(monkeypatch) -> None:
    """The pipeline's own tests cover qualification; here intake's hand-off is a no-op."""
    monkeypatch.setattr("leads.intake._enqueue_qualification", lambda ids: None)
