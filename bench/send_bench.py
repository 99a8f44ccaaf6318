"""Send throughput and exactly-once under a real race: approve and send N drafts through the outbox.

Two real `celery worker` processes (one process each) consume the send tasks from Redis and
claim rows in PostgreSQL, in EMAIL_MODE=mock (nothing leaves the machine; each delivery is the
stored EMAIL_SENT record). Round 1 approves every draft once; round 2 clicks approve twice and
enqueues a second send task for every draft, so two workers race for each row. It prints
sends/s, the workers' CPU time per email (which moves much less with the load than sends/s) and the
number of duplicate sends, which must be 0.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leadops_bench_send \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/send_bench.py --drafts 2000

The database is created and migrated if needed; use a throw-away one (the bench adds leads).
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline_bench import cpu_seconds

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadops.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"

BODY = (
    "Hi {name},\n\nThanks for reaching out about lead routing. Teams like yours often come to us when "
    "that starts slowing down the pipeline. Would a 20-minute call next week work?\n\nBest regards,\nSam"
)


def _ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
                            password=parsed.password, dbname="postgres", autocommit=True)
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def _start_workers(count: int) -> list[subprocess.Popen]:
    from leadops.celery import app

    app.control.purge()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "leadops", "worker", "--pool=prefork", "--concurrency=1",
             f"--hostname=sendbench{index}@%h", "--loglevel=WARNING", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for index in range(count)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=0.5)) >= count:
            return workers
    raise SystemExit("The Celery workers did not answer within 60 s (is Redis running?)")


def _make_drafts(count: int, run: str) -> list:
    from leads.models import Lead
    from outreach.models import EmailDraft

    leads = Lead.objects.bulk_create(
        Lead(first_name=f"Bench{i}", email=f"bench-{run}-{i}@company{i % 211}.example", company_name=f"Company {i}")
        for i in range(count)
    )
    return EmailDraft.objects.bulk_create(
        EmailDraft(lead=lead, subject=f"Lead routing at Company {i}", body=BODY.format(name=lead.first_name),
                   to_email=lead.email)
        for i, lead in enumerate(leads)
    )


def _round(drafts: list, user, twice: bool, workers: list[subprocess.Popen]) -> dict:  # type: ignore[no-untyped-def]
    from leads.models import ActivityLog
    from outreach import approval
    from outreach.models import EmailDraft
    from outreach.tasks import send_draft

    ids = [draft.pk for draft in drafts]
    cpu_before = sum(cpu_seconds(worker.pid) for worker in workers)
    started = time.monotonic()
    for draft in drafts:
        approval.approve(draft, user)
        if twice:
            approval.approve(draft, user)
            send_draft.delay(str(draft.pk))
    approved_after = time.monotonic() - started
    pending = EmailDraft.objects.filter(pk__in=ids).exclude(state=EmailDraft.State.SENT)
    while pending.exists():
        if time.monotonic() - started > 1800:
            raise SystemExit(f"Gave up: {pending.count()} drafts still not sent after 30 minutes")
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    worker_cpu = sum(cpu_seconds(worker.pid) for worker in workers) - cpu_before
    deliveries = Counter(
        ActivityLog.objects.filter(type=ActivityLog.Type.EMAIL_SENT, payload__draft__in=[str(pk) for pk in ids])
        .values_list("payload__draft", flat=True)
    )
    return {
        "sent": sum(1 for count in deliveries.values() if count),
        "duplicates": sum(count - 1 for count in deliveries.values() if count > 1),
        "approve_seconds": approved_after,
        "seconds": elapsed,
        "worker_cpu_ms": worker_cpu / len(ids) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drafts", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the bench races real workers.")
    _ensure_database(database_url)

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from leadops import runtime
    from leadops.roles import REP

    call_command("migrate", verbosity=0)
    runtime.update({
        "EMAIL_MODE": "mock", "SEND_PER_MINUTE": 1_000_000, "SEND_PER_DAY": 1_000_000,
        "SEND_PER_CONTACT_PER_WEEK": 1000, "SEND_PER_DOMAIN_PER_DAY": 1_000_000,
        "SEND_WINDOW_DAYS": "mon,tue,wed,thu,fri,sat,sun", "SEND_WINDOW_HOURS": "00:00-24:00",
    })
    user, _created = User.objects.get_or_create(username="send-bench")
    user.groups.add(Group.objects.get_or_create(name=REP)[0])

    workers = _start_workers(arguments.workers)
    try:
        run = uuid.uuid4().hex[:6]
        for label, twice in (("approve + send once", False), ("every approve and send clicked twice", True)):
            drafts = _make_drafts(arguments.drafts, f"{run}{int(twice)}")
            result = _round(drafts, user, twice, workers)
            print(
                f"{label}: {result['sent']}/{arguments.drafts} sent by {arguments.workers} workers in "
                f"{result['seconds']:.1f} s ({arguments.drafts / result['seconds']:.0f} sends/s end to end; "
                f"approving took {result['approve_seconds']:.1f} s); duplicate sends: {result['duplicates']}; "
                f"workers' CPU {result['worker_cpu_ms']:.2f} ms per email, load average {os.getloadavg()[0]:.1f}"
            )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


if __name__ == "__main__":
    main()
