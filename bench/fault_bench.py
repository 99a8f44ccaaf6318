"""Redis killed under load: `python bench/fault_bench.py [--before S] [--outage S] [--after S]`.

Serves the app with gunicorn (gunicorn.conf.py, two workers) next to a Celery worker and beat, all on a
redis-server of the bench's own (a free loopback port, append-only file as docker-compose's Redis, every
write synced so the kill loses no queued task) and the PostgreSQL database DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/leadops_faultbench, created if missing, migrated and emptied each run).

Three streams run throughout, each paced and bounded: a signed-in rep loading pages (the dashboard, a
filtered dashboard, a lead page), a web form posting new leads to the intake API, and recipients
clicking the one-click unsubscribe of their emails (RFC 8058 POSTs, each for a new address). After
--before seconds Redis is killed (SIGKILL, as a crash), after --outage seconds it is started again on the
same port and data, and the streams go on for --after seconds.

Prints, per stream and phase, the requests tried and the server errors (5xx or no answer); the leads
stored and how many were later qualified; the opt-outs clicked and recorded; and the seconds from Redis's
restart to full recovery: /healthz "ok", no task waiting in the outbox and every stored lead qualified.
Goals: 0 server errors on every stream, every stored lead qualified, every opt-out recorded.
Loopback only: every loop is bounded in count and in time, and the bench stops what it started.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# Signs in the way the UI bench does, with the same bench password.
# Creates the bench database when it is missing, as the other benches do.
from import_bench import prepare_database
from ui_bench import PASSWORD, log_in

# Each stream's pause between requests, and the most requests it makes in a run.
PACE = {"pages": 0.1, "api": 0.2, "unsubscribe": 0.25}
MAX_REQUESTS = 5_000
RECOVERY_LIMIT = 300.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Redis:
    """The bench's own redis-server: killed and started again on the same port and data directory."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None


class Stream(threading.Thread):
    """One kind of request, paced, until told to stop (or MAX_REQUESTS): counts answers per phase."""

    def __init__(self, name: str, port: int, request: "callable", phase: list[str]) -> None:  # type: ignore[valid-type]
        super().__init__(name=name, daemon=True)
        self.port, self.request, self.phase = port, request, phase
        self.stopping = threading.Event()
        self.tried: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.answered: list[tuple[str, int, object]] = []

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for number in range(MAX_REQUESTS):
            if self.stopping.is_set():
                break
            phase = self.phase[0]
            self.tried[phase] += 1
            try:
                status, detail = self.request(connection, number)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                status, detail = 0, None
            if status == 0 or status >= 500:
                self.errors[phase] += 1
            self.answered.append((phase, status, detail))
            self.stopping.wait(PACE[self.name])
        connection.close()


def _call(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def health(port: int) -> dict[str, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        status, body = _call(connection, "GET", "/healthz")
        return json.loads(body) if status in (200, 503) else {"status": f"HTTP {status}"}
    except (OSError, http.client.HTTPException, ValueError) as error:
        return {"status": f"no answer ({error})"}
    finally:
        connection.close()


def wait_until(condition: "callable", limit: float, interval: float = 0.25) -> bool:  # type: ignore[valid-type]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=float, default=10.0, help="seconds of load before Redis is killed")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds Redis stays down")
    parser.add_argument("--after", type=float, default=20.0, help="seconds of load after Redis is back")
    arguments = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="fault-bench-redis-"))
    redis = Redis(data)
    redis.start()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadops_faultbench")
    os.environ.update({
        "REDIS_URL": redis.url, "CELERY_TASK_ALWAYS_EAGER": "false", "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "fault-bench-only-secret-key-not-for-production"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"), "DJANGO_SETTINGS_MODULE": "leadops.settings",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOGIN_RATE_LIMIT": "1000/m", "API_RATE_LIMIT": "100000/m",
    })
    prepare_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection as database
    from django.db import connections

    from leadops.models import DeferredTask
    from leadops.roles import REP
    from leads.models import ApiToken, Lead
    from outreach.models import Suppression
    from outreach.unsubscribe import make_token

    call_command("migrate", verbosity=0)
    with database.cursor() as cursor:
        cursor.execute("TRUNCATE leads_lead, leads_company, leads_apitoken, outreach_suppression, "
                       "leadops_deferredtask, scoring_trace CASCADE")
    user, _ = User.objects.get_or_create(username="bench-rep")
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get_or_create(name=REP)[0])
    _, api_token = ApiToken.issue("Fault bench web form")
    page_lead = Lead.objects.create(email="page@fault-bench.com", first_name="Page", company_name="Fault Bench")
    connections.close_all()

    port = free_port()
    logs = data / "logs"
    logs.mkdir()
    processes = {
        "web": [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        "worker": [sys.executable, "-m", "celery", "-A", "leadops", "worker", "--concurrency", "2",
                   "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        "beat": [sys.executable, "-m", "celery", "-A", "leadops", "beat", "--loglevel", "WARNING",
                 "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
    }
    running = {name: subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(),
                                      stdout=open(logs / f"{name}.log", "wb"), stderr=subprocess.STDOUT)
               for name, command in processes.items()}
    try:
        if not wait_until(lambda: health(port).get("status") == "ok", 60):
            raise SystemExit(f"The app did not become healthy: {health(port)}")
        cookie = log_in(port, "bench-rep")
        pages = ["/", "/?label=HOT&status=QUALIFIED", f"/leads/{page_lead.pk}/"]
        phase = ["before"]
        clicked: list[str] = []

        def load_page(connection: http.client.HTTPConnection, number: int) -> tuple[int, object]:
            status, _ = _call(connection, "GET", pages[number % len(pages)], headers={"Cookie": cookie})
            return status, None

        def take_lead(connection: http.client.HTTPConnection, number: int) -> tuple[int, object]:
            email = f"buyer{number}@northwind{number % 40}.com"
            body = json.dumps({"email": email, "first_name": "Kim", "company_name": f"Northwind {number % 40}",
                               "job_title": "VP Operations", "lead_message": "A demo this quarter, please."}).encode()
            status, _ = _call(connection, "POST", "/api/leads", body, {
                "Authorization": f"Bearer {api_token}", "Content-Type": "application/json"})
            return status, email

        def unsubscribe(connection: http.client.HTTPConnection, number: int) -> tuple[int, object]:
            email = f"reader{number}@globex{number % 20}.com"
            clicked.append(email)
            status, _ = _call(connection, "POST", f"/unsubscribe/{make_token(email)}",
                              urlencode({"List-Unsubscribe": "One-Click"}).encode(),
                              {"Content-Type": "application/x-www-form-urlencoded"})
            return status, email

        streams = [Stream("pages", port, load_page, phase), Stream("api", port, take_lead, phase),
                   Stream("unsubscribe", port, unsubscribe, phase)]
        for stream in streams:
            stream.start()
        time.sleep(arguments.before)
        phase[0] = "outage"
        redis.kill()
        killed_at = time.monotonic()
        print(f"Redis killed; down for {arguments.outage:.0f} s", flush=True)
        time.sleep(max(arguments.outage / 2, 0.0))
        during = health(port)
        time.sleep(max(arguments.outage - (time.monotonic() - killed_at), 0.0))
        api = next(stream for stream in streams if stream.name == "api")
        stored_before_restart = [email for _, status, email in list(api.answered) if status in (200, 201)]
        redis.start()
        restarted_at = time.monotonic()
        phase[0] = "after"
        print(f"Redis started again after {restarted_at - killed_at:.1f} s", flush=True)

        def recovered(emails: list[str]) -> bool:
            qualified = Lead.objects.filter(email__in=emails, qualified_at__isnull=False).count()
            ok = (health(port).get("status") == "ok" and not DeferredTask.objects.exists()
                  and qualified == len(emails))
            connections.close_all()
            return ok

        # Full recovery, timed while the load goes on: what came in before and during the outage is qualified.
        fully = wait_until(lambda: recovered(stored_before_restart), RECOVERY_LIMIT, interval=0.5)
        recovery = time.monotonic() - restarted_at
        time.sleep(max(arguments.after - (time.monotonic() - restarted_at), 0.0))
        for stream in streams:
            stream.stopping.set()
        for stream in streams:
            stream.join(timeout=60)

        stored = [email for _, status, email in api.answered if status in (200, 201)]
        # And what came in after it, within the same limit.
        everything = wait_until(lambda: recovered(stored), RECOVERY_LIMIT, interval=0.5)

        print(f"\nRedis down {restarted_at - killed_at:.1f} s (SIGKILL), load {arguments.before:.0f} s before and "
              f"{arguments.after:.0f} s after; gunicorn 2 workers, Celery worker 2 processes, beat\n")
        print(f"{'stream':14} {'phase':8} {'requests':>9} {'server errors':>14} {'statuses':>30}")
        for stream in streams:
            for name in ("before", "outage", "after"):
                statuses = Counter(status for stream_phase, status, _ in stream.answered if stream_phase == name)
                shown = ", ".join(f"{status or 'none'}: {count}" for status, count in sorted(statuses.items()))
                print(f"{stream.name:14} {name:8} {stream.tried[name]:9d} {stream.errors[name]:14d} {shown:>30}")
        leads_stored = Lead.objects.filter(email__in=stored).count()
        qualified = Lead.objects.filter(email__in=stored, qualified_at__isnull=False).count()
        accepted = [email for stream in streams if stream.name == "unsubscribe"
                    for _, status, email in stream.answered if status == 200]
        recorded = Suppression.objects.filter(email__in=clicked).count()
        print(f"\n/healthz during the outage: {json.dumps({key: during.get(key) for key in ('status', 'down')})}")
        print(f"Leads stored: {leads_stored} of {len(stored)} accepted; qualified later: {qualified}")
        print(f"Opt-outs recorded: {recorded} of {len(clicked)} clicked ({len(accepted)} answered 200)")
        print(f"Full recovery (healthz ok, outbox empty, every lead stored until then qualified): "
              f"{f'{recovery:.1f} s after the restart' if fully else f'not within {RECOVERY_LIMIT:.0f} s'}")
        errors = sum(sum(stream.errors.values()) for stream in streams)
        verdict = ("OK" if errors == 0 and fully and everything and qualified == leads_stored == len(stored)
                   and recorded == len(clicked) else "MISSED")
        print(f"\nGoals (0 server errors, every lead qualified, every opt-out recorded): {verdict}")
    finally:
        for process in running.values():
            process.terminate()
        for process in running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.kill()
        print(f"(process logs in {logs})" if (logs / "web.log").exists() and os.environ.get("KEEP_LOGS") else "",
              end="")
        if not os.environ.get("KEEP_LOGS"):
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
