"""Import throughput and memory: `python bench/import_bench.py [--rows N]`.

Generates N synthetic B2B leads (~2% invalid, ~5% duplicate rows, realistic domains) into a temporary
CSV, then runs the real import path (the ImportJob runner the command and the upload page use: sniff,
parse, validate, dedupe, write leads + companies + activities) against PostgreSQL and prints rows/s and
peak RSS. Qualification is off: this measures the import itself.

The database is DATABASE_URL, default postgres://postgres@127.0.0.1:5432/leadops_bench; it is created
if missing, migrated, and its leads are truncated first. Target: 1,000,000 rows in under 60 s
(>= 17,000 rows/s) with peak RSS under 150 MB.
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST_NAMES = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
               "Susan Joseph Jessica Thomas Sarah Charles Karen Priya Arjun Mei Hiroshi Lukas Sofia Mateo "
               "Amara Chloe Noah Emma Liam Olivia Lars Ingrid Ahmed Fatima Diego Lucia Kwame").split()
LAST_NAMES = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
              "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Sharma Tanaka Müller Rossi Dubois "
              "Kowalski Nielsen Okafor Silva Cohen Novak Andersen Ivanova Haddad Mensah").split()
WORDS = ("acme blue river stone peak north bright summit harbor cedar pixel quantum vertex nova lumen "
         "atlas orbit crest granite maple falcon delta iron harvest signal beacon cobalt prairie meridian "
         "polar coral ember willow aspen titan zenith").split()
SUFFIXES = ("labs", "systems", "logistics", "health", "analytics", "software", "energy", "retail", "foods",
            "capital", "robotics", "media", "works", "group", "digital")
TLDS = ("com", "com", "com", "io", "co", "de", "co.uk", "fr", "net")
TITLES = ("VP Sales", "Head of Operations", "CTO", "Marketing Manager", "Sales Director", "CEO", "Founder",
          "RevOps Lead", "Procurement Manager", "IT Director", "Analyst", "Customer Success Manager")
INDUSTRIES = ("Software", "Logistics", "Healthcare", "Manufacturing", "Retail", "Finance", "Energy", "Education")
COUNTRIES = ("United States", "US", "Germany", "DE", "United Kingdom", "France", "India", "Canada", "Spain",
             "Netherlands", "Australia", "Japan", "Brazil")
SIZES = ("8", "45", "120", "250", "200-500", "800", "1000+", "5000+", "11-50")
BUDGETS = ("$50k", "50-100k", "tbd", "€20,000", "10k", "", "250000", "unknown")
SOURCES = ("web_form", "referral", "outbound", "event", "partner", "Trade Show", "Website")
MESSAGES = ("Looking to automate lead routing.", "Can we get a demo next week?", "We use spreadsheets today.",
            "Need pricing for 50 seats.", "", "Interested in the HubSpot integration.")
HEADER = ["Email", "First Name", "Last Name", "Company", "Job Title", "Industry", "Employees", "Country",
          "Lead Source", "Budget", "Urgency", "Message", "Website", "utm_campaign"]
COMPANIES = 20_000


def company(index: int) -> tuple[str, str]:
    rng = random.Random(index)
    first, second, suffix = rng.choice(WORDS), rng.choice(WORDS), rng.choice(SUFFIXES)
    return f"{first.title()} {second.title()} {suffix.title()}", f"{first}{second}-{suffix}.{rng.choice(TLDS)}"


def person(index: int) -> list[str]:
    """Row `index` of the synthetic file; the same index always gives the same lead."""
    rng = random.Random(index * 7919)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name, domain = company(rng.randrange(COMPANIES))
    email = f"{first.lower()}.{last.lower().replace('ü', 'ue')}.{index}@{domain}"
    return [email, first, last, name, rng.choice(TITLES), rng.choice(INDUSTRIES), rng.choice(SIZES),
            rng.choice(COUNTRIES), rng.choice(SOURCES), rng.choice(BUDGETS), rng.choice(("low", "medium", "high", "")),
            rng.choice(MESSAGES), f"https://www.{domain}/", rng.choice(("spring", "webinar-q3", ""))]


def write_csv(path: Path, rows: int) -> dict[str, int]:
    rng = random.Random(42)
    planted = {"invalid": 0, "duplicates": 0}
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for index in range(rows):
            roll = rng.random()
            if roll < 0.02:
                row = person(index)
                if rng.random() < 0.5:
                    row[0] = rng.choice(("not-an-email", "jo@"))
                else:
                    row[7] = "Atlantis"
                planted["invalid"] += 1
            elif roll < 0.07 and index > 0:
                row = person(rng.randrange(index))
                row[0] = row[0].upper() if rng.random() < 0.5 else row[0]  # the same address in another case
                planted["duplicates"] += 1
            else:
                row = person(index)
            writer.writerow(row)
    return planted


def prepare_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


class DatabaseCpu:
    """CPU seconds the PostgreSQL backends serving `database` spend, read from /proc while the import runs.

    Only works when PostgreSQL runs on this machine (otherwise it reports nothing). A backend's time is
    sampled every SAMPLE_SECONDS and its last reading kept, so a backend that exits loses at most one
    interval; background processes (WAL writer, autovacuum) are not counted.
    """

    SAMPLE_SECONDS = 0.05

    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.database = urlparse(url).path.lstrip("/")
        self.seconds_by_pid: dict[int, float] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "DatabaseCpu":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join()
        self.connection.close()

    @property
    def seconds(self) -> float | None:
        return sum(self.seconds_by_pid.values()) if self.seconds_by_pid else None

    def _sample(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        while True:
            pids = [pid for (pid,) in self.connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.database])]
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                except OSError:  # exited, or PostgreSQL is on another machine
                    continue
                self.seconds_by_pid[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
            if self.stopped.wait(self.SAMPLE_SECONDS):
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--generate-only", metavar="PATH", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.generate_only:
        # Run as a child process, so the import's peak RSS is not the generator's.
        planted = write_csv(Path(arguments.generate_only), arguments.rows)
        print(planted["invalid"], planted["duplicates"])
        return

    # The bench is its own program: it points the app at the bench database before Django starts.
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadops_bench")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use")
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadops.settings")
    prepare_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from leadops.interpreter import tune_for_bulk_work
    from leads.importing import jobs
    from leads.importing.run import ImportOptions
    from leads.models import ActivityLog, Company, Lead

    # Migrating is not importing: a fresh bench database is migrated by its own process, whose peak
    # memory (every migration's state) would otherwise be counted as the import's.
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], check=True)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE leads_lead, leads_company, leads_activitylog, leads_feedback, leads_importjob CASCADE")

    tune_for_bulk_work()  # as the Celery worker and import_leads do when they start
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench_leads.csv"
        started = time.perf_counter()
        generated = subprocess.run([sys.executable, __file__, "--rows", str(arguments.rows), "--generate-only",
                                    str(path)], check=True, capture_output=True, text=True).stdout.split()
        planted = {"invalid": int(generated[0]), "duplicates": int(generated[1])}
        print(f"generated {arguments.rows:,} rows ({path.stat().st_size / 1e6:,.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s; planted ~{planted['invalid']:,} invalid, "
              f"{planted['duplicates']:,} duplicate rows")
        settings.MEDIA_ROOT = Path(folder) / "media"
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        rss_before = usage_before.ru_maxrss / 1024
        started = time.perf_counter()
        with DatabaseCpu(os.environ["DATABASE_URL"]) as database_cpu:
            job = jobs.create_command_job(path, ImportOptions(qualify=False))
            job = jobs.run_job(job.pk)
        elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    # CPU seconds of this process (both threads), for comparing runs on a busy shared machine.
    cpu = usage.ru_utime + usage.ru_stime - usage_before.ru_utime - usage_before.ru_stime
    summary = job.summary()
    adds_up = summary["rows"] == sum(value for key, value in summary.items() if key != "rows")
    print(f"import (qualification off): {summary['rows']:,} rows in {elapsed:.1f} s = "
          f"{summary['rows'] / elapsed:,.0f} rows/s; peak RSS {peak:.0f} MB (before the import {rss_before:.0f} MB)")
    print(f"import process CPU: {cpu:.1f} s ({summary['rows'] / cpu:,.0f} rows per CPU second); "
          f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    rows = max(summary["rows"], 1)
    if database_cpu.seconds is not None:
        print(f"CPU per row: import process {cpu / rows * 1e6:.0f} us + PostgreSQL backends "
              f"{database_cpu.seconds / rows * 1e6:.0f} us = {(cpu + database_cpu.seconds) / rows * 1e6:.0f} us")
    print(f"accounting: {summary} adds up: {adds_up}; job {job.status}")
    print(f"stored: {Lead.objects.count():,} leads, {Company.objects.count():,} companies, "
          f"{ActivityLog.objects.count():,} activities; batch size {settings.IMPORT_BATCH_SIZE:,}")


if __name__ == "__main__":
    main()
