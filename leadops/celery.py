"""The Celery app. Tasks live in each app's tasks.py; configuration comes from Django settings."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_process_init

from leadops.broker import transport_for
from leadops.interpreter import tune_for_bulk_work

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadops.settings")

# Every task keeps what the broker could not take in the database (leadops.outbox).
app = Celery("leadops", task_cls="leadops.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.broker_transport = transport_for(app.conf.broker_transport)
app.autodiscover_tasks()


@worker_init.connect
@worker_process_init.connect
def tune_interpreter(**_: Any) -> None:
    # The worker process (solo and thread pools run tasks in it) and each process of a prefork pool.
    tune_for_bulk_work()
