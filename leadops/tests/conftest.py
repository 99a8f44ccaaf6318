"""leadops's tests borrow the real SMTP server on loopback from the outreach tests."""

from outreach.tests.conftest import smtp_server  # noqa: F401
