"""Queueing Celery tasks by name, after the current transaction commits.

Services name the task they want run ("loyalty.tasks.deliver_message") instead of importing it: the task modules
import the services, so importing them back would make a cycle. Each app's AppConfig.ready imports its own
task module, so every name is registered before the first request.
"""

from __future__ import annotations

from django.db import transaction

from loyalty.celery import app


def enqueue(task_name: str, *args) -> None:
    """Send the task now (outside a transaction, or from a task that already runs after the commit)."""
    app.tasks[task_name].delay(*args)


def enqueue_after_commit(task_name: str, *args) -> None:
    """Send the task once the change commits: nothing runs for a rolled-back change. Robust: a broker that is down
    after the commit must not turn the committed change into an error; the jobs re-queue what a lost task left
    (messages_due, webhooks_due)."""
    transaction.on_commit(lambda: enqueue(task_name, *args), robust=True)
