"""Headless Chromium (the Debian package, never a downloaded browser) driven by Playwright's sync API."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.browsing import chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with chromium() as started:
        yield started


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture
def page(request, browser, live_server, screenshots) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "e2e_failed", False):
        # What the browser showed when the test failed, to read next to the traceback.
        page.screenshot(path=str(screenshots / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def screenshots() -> Path:
    folder = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
