import pytest

from loyalty.celery import app as celery_app


@pytest.fixture
def eager_off(transactional_db, monkeypatch):
    """Tasks go to Redis for a worker process, not run in this one; what earlier runs left queued is dropped."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    celery_app.control.purge()
