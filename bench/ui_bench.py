"""Staff UI latency at a million leads: `python bench/ui_bench.py [--leads N] [--seconds S] [--clients C]`.

Loads N synthetic leads (default 1,000,000) into PostgreSQL with COPY, plus waiting drafts, a timeline
and pipeline runs for one lead, then serves the app with gunicorn on a free loopback port and drives each
page with C concurrent clients (threads + http.client, signed in through the real login form) for S
seconds: the dashboard, the dashboard with filters, a keyset page deep in the table, the dashboard
sorted by score, two searches (part of a domain, a full name), a lead page and the review queue.
gunicorn runs with the project's gunicorn.conf.py, as the Dockerfile serves the app (--workers/--threads
override it for experiments). Each page gets one cold request (reported as "first ms": it fills the caches
that page needs), a 2 s warm-up so every gunicorn worker has compiled its templates, then the measured run.
Prints requests/s, p50/p99 ms, errors and the app's CPU time per
request (gunicorn workers' user+system time from /proc), which does not depend on what else the
machine is running.

The database is DATABASE_URL, default postgres://postgres@127.0.0.1:5432/leadops_uibench; it is created
and migrated if missing, and reloaded only when it holds a different number of leads. REDIS_URL (default
redis://127.0.0.1:6379/6) is the shared cache the KPIs and counts live in. Target: p99 under 150 ms for
every page, 0 errors.
"""

import argparse
import base64
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# Creates the bench database when it is missing, as the import bench does.
from import_bench import prepare_database

PASSWORD = "bench-password-not-secret"
FIRST = ["James", "Mary", "Priya", "Arjun", "Mei", "Hiroshi", "Lukas", "Sofia", "Mateo", "Amara", "Chloe", "Noah",
         "Emma", "Liam", "Olivia", "Lars"]
LAST = ["Smith", "Johnson", "Garcia", "Miller", "Davis", "Sharma", "Tanaka", "Müller", "Rossi", "Dubois", "Kowalski",
        "Nielsen", "Okafor"]
WORDS = ["acme", "blue", "river", "stone", "peak", "north", "bright", "summit", "harbor", "cedar", "pixel", "quantum",
         "vertex", "nova", "lumen"]
TITLES = ("VP Sales", "Head of Operations", "CTO", "Marketing Manager", "Sales Director", "CEO", "Analyst")
INDUSTRIES = ("Software", "Logistics", "Healthcare", "Manufacturing", "Retail", "Finance")
SIZES = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+")
SOURCES = ("web_form", "referral", "outbound", "event", "partner", "import")
STATUSES = (("NEW", 20), ("QUALIFIED", 35), ("NEEDS_INFO", 8), ("DISQUALIFIED", 12), ("CONTACTED", 15),
            ("MEETING_BOOKED", 5), ("CLOSED_WON", 3), ("CLOSED_LOST", 2))


def _value(column: str, data_type: str, nullable: bool, known: dict[str, object]) -> object:
    """Columns this bench does not set get what the app would store: '' / false / {} / [] / NULL."""
    if column in known:
        return known[column]
    if nullable:
        return None
    return {"boolean": False, "jsonb": "{}", "integer": 0, "smallint": 0, "bigint": 0}.get(data_type, "")


def _columns(cursor, table: str) -> list[tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    return [(name, data_type, nullable == "YES") for name, data_type, nullable in cursor.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY ordinal_position", [table]).fetchall()]


def load(url: str, total: int, owners: list[int]) -> None:
    """COPY `total` leads and 5,000 waiting drafts; every NOT NULL column filled the way the app would."""
    import psycopg

    rng = random.Random(42)
    statuses = [status for status, weight in STATUSES for _ in range(weight)]
    now = datetime.now(UTC)
    started = time.monotonic()
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("TRUNCATE leads_lead, outreach_emaildraft, leads_activitylog, scoring_trace CASCADE")
        columns = _columns(cursor, "leads_lead")
        names = ", ".join(f'"{name}"' for name, _, _ in columns)
        with cursor.copy(f"COPY leads_lead ({names}) FROM STDIN") as copy:
            for index in range(total):
                word = WORDS[index % len(WORDS)]
                score = rng.randint(0, 100) if index % 10 else None
                label = "" if score is None else "HOT" if score >= 70 else "WARM" if score >= 45 else "COLD"
                created = now - timedelta(seconds=index * 30 + rng.randint(0, 29))
                known = {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "first_name": FIRST[index % len(FIRST)], "last_name": LAST[(index // 7) % len(LAST)],
                    "email": f"person{index}@{word}{index % 5000}.com",
                    "company_name": f"{word.title()} {index % 5000}",
                    "job_title": TITLES[index % len(TITLES)], "industry": INDUSTRIES[index % len(INDUSTRIES)],
                    "company_size": SIZES[index % len(SIZES)], "country": "US", "source": SOURCES[index % len(SOURCES)],
                    "status": statuses[index % len(statuses)], "score_label": label, "score_value": score,
                    "score_factors": json.dumps([{"factor": "Starting score", "points": score or 0}]),
                    "owner_id": owners[index % len(owners)] if index % 3 else None,
                    "recommended_action": "SEND_EMAIL" if label in ("HOT", "WARM") else "HOLD",
                    "attributes": "{}", "enrichment": "{}", "created_at": created, "updated_at": created,
                }
                copy.write_row([_value(name, data_type, nullable, known) for name, data_type, nullable in columns])
        print(f"  {total:,} leads copied in {time.monotonic() - started:.1f} s", flush=True)
        lead_ids = [row[0] for row in cursor.execute(
            "SELECT id FROM leads_lead WHERE score_label <> '' ORDER BY created_at DESC LIMIT 5000").fetchall()]
        columns = _columns(cursor, "outreach_emaildraft")
        names = ", ".join(f'"{name}"' for name, _, _ in columns)
        with cursor.copy(f"COPY outreach_emaildraft ({names}) FROM STDIN") as copy:
            for index, lead_id in enumerate(lead_ids):
                known = {"id": uuid.uuid4(), "lead_id": lead_id, "variant": "first_touch", "state": "draft",
                         "subject": f"Quick idea {index}", "body": "Hi,\n\nA short note about your inbound leads.\n",
                         "generated_by": "template", "needs_approval": index % 20 == 0, "lint": "{}",
                         "created_at": now, "updated_at": now}
                copy.write_row([_value(name, data_type, nullable, known) for name, data_type, nullable in columns])
        lead_id = lead_ids[0]
        for index in range(40):
            cursor.execute("INSERT INTO leads_activitylog (lead_id, type, payload, actor_label, created_at) "
                           "VALUES (%s, 'NOTE', %s, 'system', now())", [lead_id, json.dumps({"n": index})])
        columns = _columns(cursor, "scoring_trace")
        for _ in range(5):
            known = {"lead_id": lead_id, "run_id": uuid.uuid4(), "status": "ok", "created_at": now,
                     "node_events": json.dumps([{"node": "score_lead", "duration_ms": 1.2, "status": "ok"}]),
                     "llm_inputs": "[]", "llm_outputs": "[]", "cost_usd": 0, "duration_ms": 5.0}
            present = [(name, data_type, nullable) for name, data_type, nullable in columns if name != "id"]
            cursor.execute(
                f"INSERT INTO scoring_trace ({', '.join(name for name, _, _ in present)}) "
                f"VALUES ({', '.join(['%s'] * len(present))})",
                [_value(name, data_type, nullable, known) for name, data_type, nullable in present])
        connection.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE leads_lead")
        connection.execute("VACUUM ANALYZE outreach_emaildraft")
    print(f"  loaded in {time.monotonic() - started:.1f} s", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_in(port: int, username: str) -> str:
    """Sign in through the login form like a browser; returns the Cookie header for later requests."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    connection.request("POST", "/accounts/login/", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
    response = connection.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", "") or "")
    if response.status != 302 or not session:
        raise SystemExit(f"Logging in as {username} failed with HTTP {response.status}")
    return f"csrftoken={csrf_cookie}; sessionid={session.group(1)}"


def credentials(cookie: str) -> dict[str, str]:
    """The request headers for a session cookie from `log_in`, or for an API token given as "Bearer <token>"."""
    return {"Authorization": cookie} if cookie.startswith("Bearer ") else {"Cookie": cookie}


def drive(port: int, path: str, cookie: str, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=credentials(cookie))
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count, "rps": count / seconds, "errors": errors[0],
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p99": latencies[min(count - 1, int(count * 0.99))] if latencies else 0.0,
    }


def fetch_once(port: int, path: str, cookie: str) -> tuple[float, int]:
    """One request on a fresh connection: (milliseconds, HTTP status)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", path, headers=credentials(cookie))
    response = connection.getresponse()
    response.read()
    connection.close()
    return (time.perf_counter() - started) * 1000, response.status


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of gunicorn's workers so far, from /proc: load-independent cost per request."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def gunicorn_workers(pid: int) -> int:
    """How many workers the gunicorn master forked (its configuration decides, unless overridden)."""
    return len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


def serve(arguments: argparse.Namespace) -> tuple[subprocess.Popen, int]:
    """gunicorn with the project's gunicorn.conf.py on a free loopback port, once it accepts connections."""
    port = free_port()
    overrides = [*(["--workers", str(arguments.workers)] if arguments.workers else []),
                 *(["--threads", str(arguments.threads)] if arguments.threads else [])]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
         *overrides, "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited at start-up") from None
            time.sleep(0.1)
    return server, port


def measure(server: subprocess.Popen, port: int, pages: list[tuple[str, str, str]],
            arguments: argparse.Namespace) -> None:
    """Each (name, path, credential) page: a cold request, a warm-up, then the measured run; prints the table."""
    print(f"\n{arguments.leads:,} leads · {arguments.clients} clients · {arguments.seconds:.0f} s per page · "
          f"gunicorn {gunicorn_workers(server.pid)} workers, "
          f"{'gthread x ' + str(arguments.threads) if (arguments.threads or 1) > 1 else 'sync'}\n")
    print(f"{'page':40} {'first ms':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'app CPU ms/req':>15}")
    worst = 0.0
    failures = 0
    for name, path, cookie in pages:
        first_ms, first_status = fetch_once(port, path, cookie)  # cold: fills the caches this page needs
        # Every worker compiles its templates and imports lazily on its first hit: not what users see.
        drive(port, path, cookie, arguments.clients, min(2.0, arguments.seconds))
        cpu_before = server_cpu_seconds(server.pid)
        result = drive(port, path, cookie, arguments.clients, arguments.seconds)
        cpu_ms = (server_cpu_seconds(server.pid) - cpu_before) * 1000 / max(result["requests"], 1)
        worst = max(worst, result["p99"])
        failures += result["errors"] + (first_status != 200)
        print(f"{name:40} {first_ms:9.1f} {result['rps']:8.1f} {result['p50']:8.1f} {result['p99']:8.1f} "
              f"{result['errors']:7d} {cpu_ms:15.1f}", flush=True)
    load_average = os.getloadavg()[0]
    verdict = "OK" if worst < 150 and failures == 0 else "MISSED"
    print(f"\nTarget p99 < 150 ms on every page with 0 errors: {verdict} (worst p99 {worst:.1f} ms, "
          f"{failures} errors; load average {load_average:.1f} on {os.cpu_count()} CPUs)")


def run(arguments: argparse.Namespace, pages: Callable[[int], list[tuple[str, str, str]]]) -> None:
    """Serve the app, ask `pages(port)` for the (name, path, credential) list, measure each, stop the server."""
    server, port = serve(arguments)
    try:
        measure(server, port, pages(port), arguments)
    finally:
        server.terminate()
        server.wait(timeout=15)


def arguments_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="threads per worker, >1 for gthread workers (default: sync)")
    parser.add_argument("--reload", action="store_true", help="reload the leads even if the count matches")
    return parser


def prepare(arguments: argparse.Namespace, database_url: str) -> list[Any]:
    """Set Django up on the bench database, migrate, make the bench rep and manager, load leads if needed.

    Returns the two users (rep, manager). Sets the environment the gunicorn server inherits.
    """
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadops.settings")
    # One sign-in per user per run; a generous limit so reruns within a minute still log in.
    os.environ.setdefault("LOGIN_RATE_LIMIT", "1000/m")
    prepare_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.cache import cache
    from django.core.management import call_command

    from leadops.roles import MANAGER, REP
    from leads.models import Lead

    call_command("migrate", verbosity=0)
    users = []
    for username, group in (("bench-rep", REP), ("bench-manager", MANAGER)):
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        users.append(user)
    existing = Lead.objects.count()
    print(f"Database {os.environ['DATABASE_URL']}: {existing:,} leads", flush=True)
    if existing != arguments.leads or arguments.reload:
        print(f"Loading {arguments.leads:,} synthetic leads with COPY...", flush=True)
        load(os.environ["DATABASE_URL"], arguments.leads, [user.pk for user in users])
    cache.clear()  # measure from cold caches: the first request of each page pays for its KPIs
    return users


def deep_cursor(total: int) -> str:
    """A keyset cursor half-way down the newest-first table: its page costs the same as the first one."""
    from leads.models import Lead

    deep = Lead.objects.order_by("-created_at", "-id").values("created_at", "id")[total // 2]
    return base64.urlsafe_b64encode(json.dumps(
        {"c": deep["created_at"].isoformat(), "i": str(deep["id"])}).encode()).decode().rstrip("=")


def main() -> None:
    arguments = arguments_parser(__doc__.splitlines()[0]).parse_args()
    prepare(arguments, "postgres://postgres@127.0.0.1:5432/leadops_uibench")
    from django.db import connections

    from leads.models import Lead

    lead_id = Lead.objects.filter(drafts__isnull=False, activities__isnull=False).values_list("id", flat=True)[0]
    cursor = deep_cursor(arguments.leads)
    connections.close_all()

    def pages(port: int) -> list[tuple[str, str, str]]:
        rep_cookie = log_in(port, "bench-rep")
        manager_cookie = log_in(port, "bench-manager")
        return [
            ("dashboard", "/", rep_cookie),
            ("dashboard filtered", "/?label=HOT&source=event&status=QUALIFIED", rep_cookie),
            ("dashboard owner=me, sorted by score", "/?owner=me&sort=score", rep_cookie),
            ("dashboard deep keyset page", f"/?after={cursor}", rep_cookie),
            # Search matches any part of a name, email or company (trigram indexes, leads migration 0009):
            # the middle of one company's domain, and a full name.
            ("dashboard search, part of a domain", f"/?q={WORDS[1][1:]}1234", rep_cookie),
            ("dashboard search, full name", f"/?q={FIRST[3]}+{LAST[5]}", rep_cookie),
            ("lead detail", f"/leads/{lead_id}/", rep_cookie),
            ("review queue (manager)", "/review/", manager_cookie),
        ]

    run(arguments, pages)


if __name__ == "__main__":
    main()
