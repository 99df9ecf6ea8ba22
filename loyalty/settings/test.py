"""Tests: fast hashing, in-memory mail, tasks run eagerly unless a test starts a real worker."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_GATEWAY = {**SMS_GATEWAY, "BACKEND": "loyalty.notifications.gateways.LocmemGateway"}  # noqa: F405
ZALO_GATEWAY = {**ZALO_GATEWAY, "BACKEND": "loyalty.notifications.gateways.LocmemGateway"}  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
ACCOUNT_RATE_LIMITS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
