import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from leads.models import ActivityLog, Lead

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_database_and_broker_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["engine"] == "postgresql"
    assert body["broker"]["ok"] is True


def test_healthz_says_what_is_down_while_redis_is_away_and_still_answers_200(client, db, settings, stoppable_redis):
    settings.CACHES = stoppable_redis.caches()
    settings.REDIS_URL = stoppable_redis.url
    assert client.get("/healthz").json()["status"] == "ok"
    stoppable_redis.stop()

    response = client.get("/healthz")

    # The app serves without Redis, so a load balancer must keep sending it traffic.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["down"] == ["cache", "broker"]
    assert body["cache"]["ok"] is False and body["broker"]["ok"] is False and body["database"]["ok"] is True
    assert body["outbox"] == {"ok": True, "waiting_tasks": 0}


def test_every_app_page_needs_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_rep_can_log_in_and_reach_the_dashboard(client, rep):
    response = client.post("/accounts/login/", {"username": rep.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_login_is_rate_limited(client, rep, settings):
    for _ in range(10):
        client.post("/accounts/login/", {"username": rep.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": rep.username, "password": "correct-horse-battery"})
    assert response.status_code == 429


def test_responses_carry_a_request_id(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz")["X-Request-ID"]) == 32


def test_email_is_unique_regardless_of_case(db):
    Lead.objects.create(email="ana@acme.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(email="ANA@acme.com")
    # Leads without email do not collide.
    Lead.objects.create(email="")
    Lead.objects.create(email="")


def test_activity_log_is_append_only(db):
    lead = Lead.objects.create(email="ana@acme.com")
    entry = ActivityLog.record(lead, ActivityLog.Type.NOTE, payload={"text": "called"})
    entry.payload = {"text": "changed"}
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def test_admin_lists_every_model_for_a_superuser(admin_client):
    for path in ["leads/lead", "leads/company", "leads/activitylog", "leads/feedback", "leads/importjob",
                 "leads/apitoken", "scoring/scoringconfig", "scoring/trace", "outreach/emaildraft",
                 "outreach/sequence", "outreach/suppression"]:
        assert admin_client.get(f"/admin/{path}/").status_code == 200, path


def _run_settings(**environment: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, settings.EMAIL_MODE, "
         "settings.LLM_PROVIDER)"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "leadops.settings", **environment},
        capture_output=True, text=True, timeout=60,
    )


def test_with_no_environment_it_runs_embedded(tmp_path):
    result = _run_settings(DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "False", "mock", "none"]  # a worker runs tasks


def test_an_invalid_setting_stops_start_up_naming_the_variable(tmp_path):
    result = _run_settings(DATA_DIR=str(tmp_path), SEND_PER_DAY="lots")
    assert result.returncode != 0
    assert "SEND_PER_DAY" in result.stderr
    result = _run_settings(DATA_DIR=str(tmp_path), EMAIL_MODE="carrier-pigeon")
    assert "EMAIL_MODE" in result.stderr and "mock, smtp" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_app_starts_on_the_embedded_default_and_serves_login_and_healthz(tmp_path):
    """Smoke test: no services at all, SQLite in a fresh folder."""
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER"}}
    environment = {**clean, "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "leadops.settings"}
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=environment,
                             capture_output=True, text=True, timeout=180)
    assert migrate.returncode == 0, migrate.stderr
    port = _free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = response.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("the embedded app did not start") from None
                time.sleep(0.2)
        assert '"engine": "sqlite"' in health and '"mode": "folder"' in health
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            assert response.status == 200
            assert "Log in to LeadOps" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_browser_icon_is_served_without_signing_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert 'rel="icon"' in client.get("/accounts/login/").content.decode()
