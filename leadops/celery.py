"""The Celery app. Tasks live in each app's tasks.py; configuration comes from Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadops.settings")

app = Celery("leadops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
