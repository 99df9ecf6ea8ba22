"""The Celery app. With no CELERY_BROKER_URL the settings pick a filesystem broker, so `make run` needs no service."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loyalty.settings.development")

app = Celery("loyalty")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_filesystem_broker_folders() -> None:
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_init.connect
@beat_init.connect
def _prepare_broker(**_kwargs) -> None:
    ensure_filesystem_broker_folders()
