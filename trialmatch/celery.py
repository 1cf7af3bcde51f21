"""The Celery application: configured from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialmatch.settings")

app = Celery("trialmatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
