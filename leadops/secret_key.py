"""The SECRET_KEY rules settings.py applies: which keys are refused, and the embedded default's own key.

Sessions, password-reset links and unsubscribe links are signed with the key: whoever knows it can forge
them. So outside DEBUG a key must be long and not one published anywhere, and the embedded default, which
needs no configuration, makes a random key of its own instead of using one written in the code.
"""

import os
import secrets
import time
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 32
# Values published in this repository (an earlier embedded default, the old .env.example placeholder): as
# good as no key at all. Django's startproject keys start with "django-insecure-".
PUBLISHED = frozenset({
    "insecure-embedded-default-key-set-SECRET_KEY-in-production",
    "change-me-to-50-random-characters",
})


def refusal(key: str) -> str:
    """Why this key cannot sign anything outside DEBUG ("is empty", ...), or "" when it can."""
    if not key.strip():
        return "is empty"
    if key in PUBLISHED or key.startswith("django-insecure-"):
        return "is a published example value"
    if len(key) < MIN_LENGTH:
        return f"has {len(key)} characters, fewer than {MIN_LENGTH}"
    if len(set(key)) < 5:
        return "repeats too few characters to be random"
    return ""


def generated(path: Path) -> str:
    """The embedded default's key: made at random on first start, then read back; readable by its owner only.

    O_EXCL makes a web process and a worker starting together agree on one key: the loser reads the
    winner's file (waiting a moment if it is not written yet).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = ""
        for _attempt in range(50):
            key = path.read_text(encoding="utf-8").strip()
            if key:
                break
            time.sleep(0.1)
        if refusal(key):
            raise ImproperlyConfigured(
                f"SECRET_KEY: the generated key in {path} is unusable (it {refusal(key)}); "
                "delete the file to make a new one, or set SECRET_KEY"
            ) from None
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return key
    key = secrets.token_urlsafe(50)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def chosen(given: str | None, *, key_file: Path, debug: bool, is_postgres: bool) -> str:
    """The key settings.py uses: the given one if it may sign (any key under DEBUG), else the embedded
    default's generated key; production refuses to start without one of its own."""
    if given is not None and not debug and refusal(given):
        raise ImproperlyConfigured(
            f"Environment variable SECRET_KEY {refusal(given)}: set at least {MIN_LENGTH} random characters "
            "(python -c \"import secrets; print(secrets.token_urlsafe(50))\"), "
            "or, on the embedded default (SQLite), unset it to use the random key kept in DATA_DIR"
        )
    if given:
        return given
    if is_postgres and not debug:
        # Production runs several machines (web, worker, beat); a key made on one is unknown to the others.
        raise ImproperlyConfigured(
            "Environment variable SECRET_KEY must be set when running on PostgreSQL (production) without DEBUG: "
            f"at least {MIN_LENGTH} random characters"
        )
    try:
        return generated(key_file)
    except OSError as error:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set and the key file {key_file} cannot be kept ({error.strerror}): "
            "make DATA_DIR writable, or set SECRET_KEY"
        ) from None
