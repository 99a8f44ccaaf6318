"""The API reaches every domain app, so its tests use the domain apps' fixtures."""

from leads.tests.conftest import import_media, no_qualification, queued  # noqa: F401
from outreach.tests.conftest import (  # noqa: F401
    _always_open_send_window,
    draft_factory,
    lead_factory,
    smtp_mode,
    smtp_server,
)
from scoring.tests.conftest import fake_llm, llm_on  # noqa: F401
