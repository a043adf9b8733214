"""The Celery app. Without REDIS_URL, settings make tasks run in-process (eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("hashport")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
