"""Settings for a worker process started by a test (tests/loyalty/celery_worker.py): the test settings, except
that a task queued by a task goes to the broker, as in production, instead of running inside it; with
TEST_SMTP_PORT, mail goes over SMTP to the test's server (tests/loyalty/mail_server.py)."""

import os

from loyalty.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False

if os.environ.get("TEST_SMTP_PORT"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "127.0.0.1"
    EMAIL_PORT = int(os.environ["TEST_SMTP_PORT"])
    EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
    EMAIL_USE_TLS = EMAIL_USE_SSL = False
