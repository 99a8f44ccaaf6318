"""leadops.settings: the secret key and the HTTPS settings, read from the environment at start-up."""

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
# The key settings.py embedded before the embedded default made its own: published, so anyone could sign with it.
PUBLISHED_KEY = "insecure-embedded-default-key-set-SECRET_KEY-in-production"
POSTGRES = {"DATABASE_URL": "postgres://leadops:secret@127.0.0.1:5432/leadops"}
# Left out of the child's environment: each test says what it runs with. (The browser tests set
# DJANGO_ALLOW_ASYNC_UNSAFE in this process; check --deploy rightly warns about it.)
SERVICES = {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _python(code: str, **environment: str) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() in a process with only these settings (plus the machine's own)."""
    clean = {key: value for key, value in os.environ.items() if key not in SERVICES and not key.startswith("SECURE_")}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "leadops.settings", **environment},
        capture_output=True, text=True, timeout=60,
    )


def _manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in SERVICES and not key.startswith("SECURE_")}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "leadops.settings", **environment},
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("database", [POSTGRES, {}], ids=["postgresql", "sqlite"])
@pytest.mark.parametrize("key", [
    "", "short", "x" * 31, "ab" * 30, PUBLISHED_KEY, "django-insecure-" + secrets.token_hex(20),
])
def test_outside_debug_an_empty_short_or_published_secret_key_stops_start_up_naming_it(tmp_path, database, key):
    result = _python("print(settings.SECRET_KEY)", DATA_DIR=str(tmp_path), SECRET_KEY=key, **database)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert key.strip() == "" or key not in result.stderr  # a refused key is not echoed into logs


def test_a_long_random_secret_key_is_used_as_given(tmp_path):
    key = secrets.token_urlsafe(40)
    result = _python("print(settings.SECRET_KEY)", DATA_DIR=str(tmp_path), SECRET_KEY=key, **POSTGRES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key


def test_with_debug_a_short_key_is_accepted_for_development(tmp_path):
    result = _python("print(settings.SECRET_KEY)", DATA_DIR=str(tmp_path), SECRET_KEY="dev", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "dev"


def test_postgresql_without_debug_needs_a_secret_key(tmp_path):
    result = _python("print(settings.SECRET_KEY)", DATA_DIR=str(tmp_path), **POSTGRES)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_embedded_default_makes_a_random_key_once_and_keeps_it_readable_by_its_owner_only(tmp_path):
    first = _python("print(settings.SECRET_KEY)", DATA_DIR=str(tmp_path / "one"))
    again = _python("print(settings.SECRET_KEY)", DATA_DIR=str(tmp_path / "one"))
    elsewhere = _python("print(settings.SECRET_KEY)", DATA_DIR=str(tmp_path / "two"))

    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and key != PUBLISHED_KEY
    assert again.stdout.strip() == key  # sessions and links survive a restart
    assert elsewhere.stdout.strip() not in (key, "")  # every installation has its own
    stored = tmp_path / "one" / "secret_key"
    assert stored.read_text().strip() == key
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_a_token_forged_with_the_published_key_is_refused_by_the_embedded_default(tmp_path):
    forged = signing.dumps("ada@analytical-engines.co.uk", key=PUBLISHED_KEY, salt="outreach.unsubscribe")
    result = _python(
        "from django.core import signing\n"
        "try:\n"
        f"    print(signing.loads({forged!r}, salt='outreach.unsubscribe'))\n"
        "except signing.BadSignature:\n"
        "    print('refused')",
        DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"


def _readme_production_settings() -> dict[str, str]:
    """The `.env` lines the README's production section documents (its ```ini block)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Production with docker compose", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```ini\n(.*?)```", section, re.DOTALL)
    assert block, "the README's production section has no ```ini block of settings"
    lines = [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_check_deploy_is_clean_with_the_production_settings_the_readme_documents(tmp_path):
    documented = _readme_production_settings()
    assert {"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "SECRET_KEY"} <= set(documented)
    documented["SECRET_KEY"] = secrets.token_urlsafe(50)  # what the README's command prints
    # docker-compose.yml sets these for the app containers.
    services = {"DATABASE_URL": os.environ.get("DATABASE_URL", POSTGRES["DATABASE_URL"]),
                "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "DATA_DIR": str(tmp_path)}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", **services, **documented)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_them(tmp_path):
    """The check above would catch a missing setting: the defaults (for http://127.0.0.1) are not production."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DATA_DIR=str(tmp_path),
                     SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_the_https_settings_come_from_the_environment(tmp_path):
    result = _python(
        "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "settings.SECURE_HSTS_PRELOAD, settings.SECURE_PROXY_SSL_HEADER, settings.SESSION_COOKIE_SECURE)",
        DATA_DIR=str(tmp_path), SECURE_SSL_REDIRECT="true", SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true", SECURE_HSTS_PRELOAD="false",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto=https", SECURE_COOKIES="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True 3600 True False ('HTTP_X_FORWARDED_PROTO', 'https') True"
    django_form = _python("print(settings.SECURE_PROXY_SSL_HEADER)", DATA_DIR=str(tmp_path),
                          SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    assert django_form.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.parametrize("name, value", [
    ("SECURE_PROXY_SSL_HEADER", "https"), ("SECURE_PROXY_SSL_HEADER", "X Forwarded=https"),
    ("SECURE_HSTS_SECONDS", "-1"), ("SECURE_HSTS_SECONDS", "a year"), ("SECURE_SSL_REDIRECT", "perhaps"),
    ("LEAD_RETENTION_MONTHS", "-3"), ("LEAD_RETENTION_MONTHS", "two years"),
])
def test_an_invalid_https_or_retention_setting_stops_start_up_naming_it(tmp_path, name, value):
    result = _python("print(1)", DATA_DIR=str(tmp_path), **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_by_default_plain_http_keeps_working_for_make_run(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert not settings.SECURE_SSL_REDIRECT and settings.SECURE_PROXY_SSL_HEADER is None


def test_with_the_redirect_on_pages_go_to_https_but_the_health_check_does_not(settings, db):
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = True, 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()

    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/healthz").status_code != 301
    over_https = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert over_https.status_code == 200
    assert over_https.headers["Strict-Transport-Security"] == "max-age=3600"
