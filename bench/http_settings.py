"""Settings for the HTTP benchmark's gunicorn: production settings over plain HTTP on 127.0.0.1, with the
baseline view's URL added beside the real ones."""

from loyalty.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
