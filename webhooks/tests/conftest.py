"""Webhooks hear every domain app, so their tests use the domain apps' fixtures."""

from leads.tests.conftest import no_qualification  # noqa: F401
from outreach.tests.conftest import _always_open_send_window, lead_factory  # noqa: F401
