"""The first hour of `make run`, in real Chromium: `python bench/first_hour.py [--rows 1000,10000] [--keep]`.

Clones this repository's committed HEAD into a temporary folder (a fresh clone: no var/, no SQLite file, no
broker folder), then runs `setup_demo` and `run_embedded` there on the embedded default: no DATABASE_URL, no
REDIS_URL, so SQLite, and the Celery worker and beat on the broker folder. It uses this checkout's .venv
(installing the same pinned packages again would time pip, not LeadOps). Then, signed in as the demo manager
in headless Chromium:

1. imports a CSV of each size in --rows through the upload page, and prints the seconds from "Start import" to
   the first progress on the page (rows counted), to the import's end and to its leads' qualification's end;
2. with the open leads topped up to 2,000 (an import through `import_leads`, not timed), saves one weight on the
   Settings page: seconds to the re-score's page, its first progress and its end;
3. imports fixtures/demo_history.csv (800 closed leads with outcomes) through `import_leads`, waits for its leads'
   qualification, and presses Train now: seconds to the first step shown and to the end;
4. sets the send window to open at the start of a coming minute, approves an email on its lead's page while the
   window is closed, and prints the seconds from the opening to the email's sending (goal: within one tick of the
   outbox's beat entry, CELERY_BEAT_SCHEDULE["outreach-send-due-drafts"]).

Every request the browser makes is timed; the slowest is printed (goals: progress within 1 s, no request over 1 s).
"""

import argparse
import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.browsing import LAUNCH_ARGS  # noqa: E402  (the browser tests' Chromium flags)

OPEN_LEADS = 2000
POLL_MS = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000,10000", help="sizes of the CSV files imported through the page")
    parser.add_argument("--keep", action="store_true", help="keep the clone (and its SQLite file) afterwards")
    parser.add_argument("--in-clone", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_clone:
        run_in_clone(Path(args.in_clone), [int(size) for size in args.rows.split(",")])
        return
    folder = Path(tempfile.mkdtemp(prefix="leadops-first-hour-"))
    clone = folder / "leadops"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    print(f"fresh clone of {commit} in {clone}", flush=True)
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "DATA_DIR", "SITE_URL",
                                   "DJANGO_SETTINGS_MODULE", "SECRET_KEY")}
    try:
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(clone / "bench" / "first_hour.py"),
                        "--rows", args.rows, "--in-clone", str(clone)], cwd=clone, env=environment, check=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_in_clone(clone: Path, sizes: list[int]) -> None:
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    os.environ.update({"SITE_URL": address, "DJANGO_SETTINGS_MODULE": "leadops.settings",
                       "DJANGO_ALLOW_ASYNC_UNSAFE": "true"})
    python = sys.executable
    started = time.monotonic()
    demo = subprocess.run([python, "manage.py", "setup_demo"], cwd=clone, capture_output=True, text=True, check=True)
    print(f"setup_demo: {time.monotonic() - started:.1f} s", flush=True)
    served = re.search(r"LeadOps is ready at (\S+)", demo.stdout)
    password = re.search(r"manager\s+password: (\S+)", demo.stdout)
    assert served and password, demo.stdout
    print(f"setup_demo printed {served.group(1)}; the server listens on {address}/", flush=True)
    log = open(clone / "run_embedded.log", "w")
    server = subprocess.Popen([python, "manage.py", "run_embedded", f"127.0.0.1:{port}"], cwd=clone,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        import django

        django.setup()
        wait_until(lambda: answers(port), 60, "the web server did not answer within 60 s")
        drive(clone, address, password.group(1), sizes)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(condition: Any, timeout: float, failure: str, interval: float = 0.05) -> float:
    """Seconds until the condition held (polled: the worker makes it true); AssertionError past the timeout."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(failure)
        time.sleep(interval)
    return time.monotonic() - start


class Requests:
    """The slowest request the browser made, by the browser's own timing (request start to response end)."""

    def __init__(self) -> None:
        self.slowest = (0.0, "")
        self.over_one_second: list[str] = []

    def finished(self, request: Any) -> None:
        if request.resource_type not in ("document", "xhr", "fetch"):
            return
        timing = request.timing
        seconds = max(0.0, timing["responseEnd"]) / 1000
        if seconds > self.slowest[0]:
            self.slowest = (seconds, f"{request.method} {request.url}")
        if seconds > 1:
            self.over_one_second.append(f"{seconds:.2f} s {request.method} {request.url}")


def drive(clone: Path, address: str, password: str, sizes: list[int]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                             args=LAUNCH_ARGS, headless=True)
        context = browser.new_context(base_url=address, viewport={"width": 1366, "height": 900})
        context.set_default_timeout(600_000)
        page = context.new_page()
        requests = Requests()
        page.on("requestfinished", requests.finished)
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{address}/")
        for index, size in enumerate(sizes):
            import_through_the_page(page, clone, size, index)
            if index == 0:
                top_up_open_leads(clone)
                save_a_weight(page)
        train_now(page, clone)
        email_outside_the_window(page)
        print(f"slowest request: {requests.slowest[0]:.2f} s ({requests.slowest[1]}); "
              f"{len(requests.over_one_second)} over 1 s", flush=True)
        for line in requests.over_one_second:
            print(f"  over 1 s: {line}", flush=True)
        browser.close()


def write_leads(path: Path, count: int, prefix: str) -> Path:
    titles = ["VP of Sales", "Head of Growth", "Sales Manager", "Founder", "Marketing Lead", "Analyst"]
    sizes = ["11-50", "51-200", "201-500", "501-1000"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "Email", "Company", "Job Title", "Company Size", "Country",
                         "Message"])
        for number in range(count):
            writer.writerow([f"Ann{number}", f"Lee{number}", f"{prefix}.{number}@firm{number % 997}-{prefix}.com",
                             f"Firm {number % 997}", titles[number % len(titles)], sizes[number % len(sizes)],
                             "Germany", "Could we see a demo next week?" if number % 3 == 0 else ""])
    return path


def text_of(page: Any, selector: str) -> str:
    element = page.query_selector(selector)
    return element.inner_text() if element else ""


def import_through_the_page(page: Any, clone: Path, size: int, index: int) -> None:
    path = write_leads(clone / f"bench-{size}.csv", size, f"bench{index}")
    page.goto("/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("button:has-text('Upload and preview')")
    page.wait_for_selector("button:has-text('Start import')")
    start = time.monotonic()
    page.click("button:has-text('Start import')")
    page.wait_for_selector("#job-progress")
    shown = time.monotonic() - start
    first = start_to(page, start, lambda: text_of(page, ".import-status") in ("Running", "Done"))
    done = start_to(page, start, lambda: text_of(page, ".import-status") in ("Done", "Failed"))
    assert text_of(page, ".import-status") == "Done", text_of(page, "#job-progress")
    qualified = start_to(page, start, lambda: text_of(page, "#import-qualifying strong") == "Qualified")
    print(f"import {size:,} rows: page {shown:.2f} s, first progress {first:.2f} s, import done {done:.2f} s, "
          f"qualified {qualified:.2f} s ({text_of(page, '#import-qualifying')})", flush=True)


def start_to(page: Any, start: float, condition: Any, timeout: float = 900) -> float:
    """Seconds from `start` until the page (which refreshes itself) shows what `condition` looks for."""
    wait_until(condition, timeout, "the page did not get there in time", interval=POLL_MS / 1000)
    return time.monotonic() - start


def top_up_open_leads(clone: Path) -> None:
    from leads.models import Lead

    missing = OPEN_LEADS - Lead.objects.filter(status__in=Lead.RESCORED_STATUSES).count()
    if missing > 0:
        path = write_leads(clone / "bench-top-up.csv", missing, "topup")
        subprocess.run([sys.executable, "manage.py", "import_leads", str(path)], cwd=clone, check=True,
                       capture_output=True)
    wait_until(lambda: not Lead.objects.filter(status__in=Lead.RESCORED_STATUSES, qualified_at__isnull=True).exists(),
               600, "the topped-up leads were not qualified within 10 minutes")


def job_progress(page: Any, start: float, what: str) -> None:
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    shown = time.monotonic() - start
    first = start_to(page, start, lambda: re.match(r"[1-9]", text_of(page, ".job-count")) is not None
                     or text_of(page, ".job-status") != "Running")
    done = start_to(page, start, lambda: text_of(page, ".job-status") in ("Done", "Failed"))
    print(f"{what}: job page {shown:.2f} s, first progress {first:.2f} s, done {done:.2f} s "
          f"({text_of(page, '.job-status')}: {text_of(page, '.job-count')}; {text_of(page, '.job-message')})",
          flush=True)


def save_a_weight(page: Any) -> None:
    from leads.models import Lead

    open_leads = Lead.objects.filter(status__in=Lead.RESCORED_STATUSES).count()
    page.goto("/settings/")
    weight = page.query_selector("#scoring-form input[name^='weight:']")
    weight.fill(str(float(weight.input_value()) + 1))
    page.fill("#scoring-notes", "first-hour bench")
    start = time.monotonic()
    page.click("#scoring-form button:has-text('Save as new version')")
    job_progress(page, start, f"save a weight with {open_leads:,} open leads")


def train_now(page: Any, clone: Path) -> None:
    from leadops.models import Job
    from leads.models import Feedback, ImportJob

    subprocess.run([sys.executable, "manage.py", "import_leads", "fixtures/demo_history.csv", "--outcome-column",
                    "Outcome"], cwd=clone, check=True, capture_output=True)
    # As a person would: Train now once the history's import page says its leads are qualified.
    history = ImportJob.objects.latest("created_at")
    wait_until(lambda: Job.objects.filter(subject=f"import:{history.pk}", status=Job.Status.DONE).exists(), 600,
               "the history's leads were not qualified within 10 minutes")
    page.goto("/scoring/model/")
    start = time.monotonic()
    page.click("button:has-text('Train now')")
    job_progress(page, start, f"Train now on {Feedback.objects.count():,} outcomes")


def email_outside_the_window(page: Any) -> None:
    from django.utils import timezone

    from leadops import runtime
    from leadops.models import Job
    from outreach.models import EmailDraft

    # The re-score after training writes drafts anew: take one once it is over.
    wait_until(lambda: not Job.objects.filter(status=Job.Status.RUNNING).exists(), 900, "jobs still running")
    draft = EmailDraft.objects.filter(state=EmailDraft.State.DRAFT, variant=EmailDraft.Variant.FIRST_TOUCH,
                                      needs_approval=False, lead__email__contains="@").order_by("-created_at").first()
    assert draft is not None, "no first-touch draft waits for review"
    now = timezone.now()
    # The window opens at the start of a minute at least a minute away, so the email is approved while it is shut.
    opening = (now + timedelta(minutes=3)).replace(second=0, microsecond=0)
    runtime.update({"SEND_WINDOW_DAYS": "mon,tue,wed,thu,fri,sat,sun", "SEND_TIMEZONE": "UTC",
                    "SEND_WINDOW_HOURS": f"{opening:%H:%M}-{min(opening.hour + 1, 24):02d}:{opening:%M}"
                    if opening.hour < 23 else f"{opening:%H:%M}-24:00"})
    # Each process may keep run-time settings for a few seconds (leadops.runtime): approve once all of them
    # know the window is shut, as a person changing the window would not approve in the same instant.
    time.sleep(runtime._MEMO_SECONDS + runtime._CACHE_SECONDS + 1)
    page.goto(f"/leads/{draft.lead_id}/")
    page.click("#draft-editor button.primary")  # Approve
    page.wait_for_selector("#draft-editor .message")
    wait_until(lambda: EmailDraft.objects.filter(pk=draft.pk, send_after__isnull=False).exists(), 60,
               f"the approved email was not held for the window: {text_of(page, '#draft-editor .message')}")
    held = EmailDraft.objects.get(pk=draft.pk)
    print(f"email approved at {timezone.now():%H:%M:%S} outside the window: {held.deferred_reason}; "
          f"window opens {opening:%H:%M:%S}", flush=True)
    wait_until(lambda: EmailDraft.objects.filter(pk=draft.pk, state=EmailDraft.State.SENT).exists(), 400,
               "the email was not sent within 400 s")
    sent = EmailDraft.objects.get(pk=draft.pk)
    assert sent.sent_at is not None
    print(f"email sent {(sent.sent_at - opening).total_seconds():.1f} s after the window opened "
          f"(the outbox's beat tick is every 60 s)", flush=True)


if __name__ == "__main__":
    main()
