"""Celery tasks: each takes ids or a moment and calls a service."""

from celery import shared_task
from django.utils import timezone

from loyalty.services.jobs import run_all


@shared_task(acks_late=True)
def run_periodic_jobs() -> dict:
    return run_all(as_of=timezone.now())
