"""`python manage.py run_embedded`: the web server, a Celery worker and beat together (`make run` calls it).

The same processes as production, on the embedded default's broker folder (CELERY_BROKER_URL filesystem://,
see leadops/settings.py): the web server only queues tasks, so an import, a re-score or a training never
holds a request, and beat sends held emails, drafts follow-ups and mails the briefing on schedule.
Ctrl-C stops all three; if one of them dies the others are stopped too, so nothing runs half-started.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

# Two processes: an import and a training can run side by side on the machine's two cores.
WORKER_CONCURRENCY = "2"


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together (the embedded default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="Address the web server listens on")

    def handle(self, *args: Any, **options: Any) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        celery = [sys.executable, "-m", "celery", "-A", "leadops"]
        commands = {
            "web": [sys.executable, manage, "runserver", options["addrport"], "--noreload"],
            "worker": [*celery, "worker", "--loglevel=INFO", "--pool=prefork", f"--concurrency={WORKER_CONCURRENCY}",
                       "--without-gossip", "--without-mingle"],
            "beat": [*celery, "beat", "--loglevel=INFO",
                     f"--pidfile={settings.DATA_DIR / 'celerybeat.pid'}"],
        }
        processes = {name: subprocess.Popen(command, cwd=settings.BASE_DIR) for name, command in commands.items()}
        served = f"http://{options['addrport']}"
        self.stdout.write(f"Web server on {served}/, worker and beat started (Ctrl-C stops all three).")
        if urlsplit(settings.SITE_URL).netloc != urlsplit(served).netloc:
            self.stdout.write(self.style.WARNING(
                f"Links in emails (unsubscribe) point at SITE_URL={settings.SITE_URL}, not {served}: set SITE_URL "
                "to the address people open (`make run ADDR=...` does it for you)."))
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        try:
            while not stopping:
                ended = [name for name, process in processes.items() if process.poll() is not None]
                if ended:
                    self.stderr.write(f"The {ended[0]} process stopped (exit code {processes[ended[0]].returncode}); "
                                      "stopping the others.")
                    break
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            _stop(processes.values())


def _stop(processes: Any) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
