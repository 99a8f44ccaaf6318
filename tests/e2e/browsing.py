"""Steps the end-to-end tests share: signing in through the login form and keeping a screenshot."""

from pathlib import Path
from urllib.parse import urlparse

PASSWORD = "correct-horse-battery"  # the personas' password (see the root conftest)


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # The dashboard, not the login page (whose path also ends in "/").
    page.wait_for_url(lambda url: urlparse(url).path == "/")


def screenshot(page, folder: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
