"""Redis memory per 1,000 queued tasks: `python bench/queue_bench.py [--tasks N] [--redis-url URL]`.

Sizing the broker: with no worker running, sends N tasks of each kind the product queues in bulk (one
`qualify_lead` per lead, one `qualify_batch` of QUALIFY_BATCH_SIZE lead ids, one `send_draft` per approved
email) through the real Celery app and kombu transport, as the web process sends them, and prints how much
Redis's `used_memory` grew per 1,000 tasks and the list length it saw. The queue is purged after each kind.

The Redis database must be a throw-away one (default redis://127.0.0.1:6379/5): the bench purges its queue.
Nothing touches a SQL database; Django runs on the embedded default in a temporary DATA_DIR.
"""

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    arguments = parser.parse_args()

    os.environ.update({
        "REDIS_URL": arguments.redis_url, "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATA_DIR": tempfile.mkdtemp(prefix="queue-bench-"), "DJANGO_SETTINGS_MODULE": "leadops.settings",
    })
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("CELERY_TASK_ROUTES", None)  # one queue: its length is the whole backlog

    import django

    django.setup()
    import redis
    from django.conf import settings

    from leadops.celery import app
    from outreach.sending import send_draft
    from scoring.pipeline.tasks import qualify_batch, qualify_lead

    client = redis.Redis.from_url(arguments.redis_url)
    queue = app.conf.task_default_queue
    kinds = {
        "qualify_lead (one lead id)": lambda: qualify_lead.delay(str(uuid.uuid4())),
        f"qualify_batch ({settings.QUALIFY_BATCH_SIZE} lead ids)": lambda: qualify_batch.delay(
            [str(uuid.uuid4()) for _ in range(settings.QUALIFY_BATCH_SIZE)]),
        "send_draft (one draft id)": lambda: send_draft.delay(str(uuid.uuid4())),
    }
    print(f"queue bench: {arguments.tasks:,} tasks of each kind on {arguments.redis_url}, no worker", flush=True)
    for name, send in kinds.items():
        app.control.purge()
        before = client.info("memory")["used_memory"]
        started = time.perf_counter()
        for _ in range(arguments.tasks):
            send()
        elapsed = time.perf_counter() - started
        grown = client.info("memory")["used_memory"] - before
        length = client.llen(queue)
        print(f"{name}: {grown / arguments.tasks * 1000 / 1024:,.0f} KiB per 1,000 queued "
              f"({length:,} in the list, sent at {arguments.tasks / elapsed:,.0f} tasks/s)", flush=True)
    app.control.purge()


if __name__ == "__main__":
    main()
