"""`setup_demo`: one command from an empty database to a signed-in demo, and safe to run again."""

import io
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from conftest import wait_for
from leadops.roles import has_role, is_manager
from leads.models import Lead

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _setup_demo() -> str:
    output = io.StringIO()
    call_command("setup_demo", stdout=output)
    return output.getvalue()


def _passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(rep|manager)\s+password: (\S+)", output, flags=re.MULTILINE))


def test_it_creates_both_logins_loads_the_demo_leads_and_prints_how_to_sign_in(settings):
    output = _setup_demo()

    assert f"LeadOps is ready at {settings.SITE_URL}/" in output
    passwords = _passwords(output)
    assert set(passwords) == {"rep", "manager"}
    rep, manager = User.objects.get(username="rep"), User.objects.get(username="manager")
    assert has_role(rep) and not is_manager(rep) and not rep.is_staff
    assert is_manager(manager) and manager.is_staff
    assert manager.has_perm("leads.add_apitoken")  # managers run the admin side too

    assert Lead.objects.count() > 180
    assert re.search(r"Demo leads: \d+ rows = \d+ created", output)

    client = Client()
    assert client.login(username="rep", password=passwords["rep"])
    assert client.get("/").status_code == 200


def test_running_it_again_creates_nothing_and_prints_fresh_passwords():
    first = _passwords(_setup_demo())
    leads, users = Lead.objects.count(), User.objects.count()

    output = _setup_demo()

    assert Lead.objects.count() == leads and User.objects.count() == users
    assert "0 created" in output
    second = _passwords(output)
    assert second["rep"] != first["rep"]
    assert "password reset" in output
    client = Client()
    assert not client.login(username="manager", password=first["manager"])
    assert client.login(username="manager", password=second["manager"])


def test_on_a_fresh_machine_make_run_serves_the_printed_address_and_its_worker_scores_the_demo_leads(tmp_path):
    """`make run` with no services at all: SQLite, the worker and beat on the broker folder, no DATABASE_URL or
    REDIS_URL. setup_demo prints the address run_embedded serves, and the worker qualifies the demo leads."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        key: value for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "SECRET_KEY")
    }
    environment.update({"DATA_DIR": str(tmp_path), "SITE_URL": f"http://127.0.0.1:{port}"})

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], check=False, cwd=ROOT, env=environment,
                              capture_output=True, text=True, timeout=300)

    setup = manage("setup_demo")
    assert setup.returncode == 0, setup.stderr[-2000:]
    assert f"LeadOps is ready at http://127.0.0.1:{port}/" in setup.stdout
    assert re.search(r"Demo leads: \d+ rows = \d+ created", setup.stdout)
    assert (tmp_path / "leadops.sqlite3").exists()

    def hot_leads() -> list[dict]:
        export = manage("export_leads", "--format", "json", "--label", "HOT")
        assert export.returncode == 0, export.stderr[-2000:]
        return json.loads(export.stdout)

    assert hot_leads() == []  # queued for the worker: nothing ran inside the import
    log = open(tmp_path / "run_embedded.log", "wb")
    server = subprocess.Popen([sys.executable, "manage.py", "run_embedded", f"127.0.0.1:{port}"], cwd=ROOT,
                              env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        def healthy() -> bool:
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).status == 200
            except OSError:
                return False

        assert wait_for(healthy, timeout=60), "the web server of run_embedded did not answer"
        assert wait_for(lambda: len(hot_leads()) >= 10, timeout=120, interval=1), "the worker scored no HOT leads"
        assert all(lead["score_label"] == "HOT" and lead["score_factors"] for lead in hot_leads())
        # Beat runs beside them: its every-10-seconds entry (the outbox of tasks) reaches the worker.
        log.flush()
        ticked = re.compile(r"send_deferred_tasks\[[^]]+\] succeeded")
        assert wait_for(lambda: bool(ticked.search((tmp_path / "run_embedded.log").read_text())), timeout=60,
                        interval=1)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
